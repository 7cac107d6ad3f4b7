/** `npm run bench:latency`: the side-by-side latency rounds alone. */
import { latencyBench } from './latency';
import { printLatency } from './latency-table';

printLatency(await latencyBench());
