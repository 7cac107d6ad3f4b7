/** `npm run bench:latency`: the side-by-side latency rounds alone. */
import { latencyBench } from './latency';
import { printAdded, printLatency } from './latency-table';

const rows = await latencyBench();
printLatency(rows);
printAdded(rows);
