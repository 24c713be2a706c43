import { spawn } from 'node:child_process';

/** `output` is stdout and stderr together, as a person would see them; `stdout` alone. */
export type CommandResult = { code: number | null; output: string; stdout: string };

/** Runs `command` with `args`, writing `stdin` to it; its exit code and stdout and stderr together. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output, stdout });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
