import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** package.json's version, from src/ (tsx) or dist/src/ (the build); '0.0.0' when not found. */
export function packageVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'version' in parsed) {
        return String(parsed.version);
      }
    }
  }
  return '0.0.0';
}
