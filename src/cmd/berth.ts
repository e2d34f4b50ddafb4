/** Composition root of the berth CLI. `berth registry serve|gc` runs Berth's registry server (src/cmd/registry.ts). */
import { main } from '../cli/index.ts';

const argv = process.argv.slice(2);
const run = argv[0] === 'registry'
  ? import('./registry.ts').then((m) => m.runRegistryCommand(argv.slice(1)))
  : main(argv);
run.then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
