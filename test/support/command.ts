import { spawn } from 'node:child_process';

export type CommandResult = { code: number | null; output: string };

/** Runs `command` with `args`, writing `stdin` to it; its exit code and stdout and stderr together. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
