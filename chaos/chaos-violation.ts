/**
 * One thing the chaos run found broken. `kind` is the invariant checker's (`stock`, `charge`,
 * `pending`, `double-charge`) or one of the run's own checks (see docs/operations.md, "Chaos run").
 */
export type ChaosViolation = { kind: string; message: string };

/** How many of each kind, most frequent first, then by name. */
export function countByKind(violations: readonly ChaosViolation[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const { kind } of violations) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
