import { TargetCheck } from './scenario';
import { renderTable } from './table';

export function targetMet(check: TargetCheck): boolean {
  return check.atLeast ? check.reached >= check.limit : check.reached <= check.limit;
}

/** The closing table of `npm run bench`: every target of the scenarios that ran, reached or not. */
export function renderTargets(checks: readonly TargetCheck[]): string {
  return renderTable(
    ['target', 'reached', 'limit', 'status'],
    checks.map((c) => [
      c.target,
      `${c.reached.toFixed(2)}x`,
      `${c.atLeast ? '>=' : '<='} ${c.limit}x`,
      targetMet(c) ? 'met' : 'MISSED',
    ]),
  );
}
