/** `npm run bench:latency`: the side-by-side latency rounds alone. */
import { latencyBench } from './latency';
import { printAdded, printCallsByPhase, printLatency } from './latency-table';

const rows = await latencyBench();
printLatency(rows);
printCallsByPhase(rows);
printAdded(rows);
