/** `npm run --silent solve -- <challenge>`: print the solution for an x-guard-challenge token on the last line. */
import { solveChallenge } from '../actions/challenge';

const token = process.argv[2];
if (!token) {
  process.stderr.write('usage: npm run --silent solve -- <x-guard-challenge value>\n');
  process.exit(2);
}
const started = performance.now();
try {
  const solution = solveChallenge(token);
  process.stderr.write(`solved in ${((performance.now() - started) / 1000).toFixed(2)} s; send it as the x-guard-solution header:\n`);
  process.stdout.write(`${solution}\n`);
} catch (err) {
  process.stderr.write(`solve: ${(err as Error).message}\n`);
  process.exit(1);
}
