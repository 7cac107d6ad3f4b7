/** `npm run bench:latency`: the side-by-side latency rounds alone. */
import { latencyBench } from './latency';
import { printAdded, printCallsByPhase, printLatency } from './latency-table';

const result = await latencyBench();
console.log(`guards' local state in ${result.stateRoot}`);
printLatency(result.rows);
printCallsByPhase(result.rows);
printAdded(result);
