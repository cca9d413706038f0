/**
 * A planner reason in the user's words, one line: `src/app.js → COPY src/ ./src/
 * (develop, line 10)`. Shared by `dockstage plan` and the TUI's build pane so
 * both say why the same way. Pure.
 */
import type { PlanReason } from '../../core/state/plan.js';

/** One reason as one line; rules without a path say their detail. */
export function describeReason(reason: PlanReason): string {
  switch (reason.rule) {
    case 'input':
      return `${reason.path} → ${reason.instruction} (${reason.stage}, line ${reason.line})${reason.detail === undefined ? '' : `, ${reason.detail}`}`;
    case 'dockerfile':
      return `${reason.path} changed (the Dockerfile)`;
    case 'dockerignore':
      return `${reason.path} changed (the ignore file)`;
    case 'bind-mount':
      return `${reason.path} is bind-mounted (${reason.detail})`;
    default:
      return reason.detail ?? reason.rule;
  }
}
