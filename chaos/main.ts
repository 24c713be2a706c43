// `npm run chaos -- [--seconds 600] …`: the chaos run (docs/operations.md, "Chaos run"). Prints progress, then
// the table and every violation. Exit 0: no violation; 1: violations; 2: could not run;
// 130: interrupted (everything started is still stopped and removed).
import { randomInt } from 'node:crypto';
import { chaosUsage, parseChaosOptions } from './chaos-options.js';
import { formatChaosTable } from './chaos-report.js';
import { runChaos } from './run-chaos.js';

const say = (line: string) => {
  process.stdout.write(`${line}\n`);
};

const parsed = parseChaosOptions(process.argv.slice(2), randomInt(2 ** 31));
if (parsed.kind === 'error') {
  process.stderr.write(`chaos: ${parsed.message}\n${chaosUsage}\n`);
  process.exit(2);
}
const { options } = parsed;

const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupt.signal.aborted) process.exit(130); // a second Ctrl-C: leave now
    say(`${signal}: stopping the run and cleaning up (again to leave at once)`);
    interrupt.abort();
  });
}
const lastResorts: (() => void)[] = [];
process.on('exit', () => {
  for (const kill of lastResorts) kill();
});

say(
  `chaos run: ${String(options.seconds)} s, ${String(options.replicas)} replicas, seed ${String(options.seed)} (--seed ${String(options.seed)} repeats its schedule)`,
);
let exitCode: number;
try {
  const summary = await runChaos(options, {
    say,
    signal: interrupt.signal,
    onExit: (kill) => lastResorts.push(kill),
  });
  say('');
  say(formatChaosTable(summary));
  for (const violation of summary.violations)
    say(`violation [${violation.kind}] ${violation.message}`);
  exitCode = interrupt.signal.aborted ? 130 : summary.violations.length > 0 ? 1 : 0;
  say(exitCode === 0 ? 'chaos run passed' : `chaos run FAILED (exit ${String(exitCode)})`);
} catch (error) {
  if (interrupt.signal.aborted) {
    say('chaos run interrupted; everything it started is stopped');
    exitCode = 130;
  } else {
    process.stderr.write(
      `chaos: could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    exitCode = 2;
  }
}
// Explicitly: a library hook on `beforeExit` must not decide the exit code.
process.exit(exitCode);
