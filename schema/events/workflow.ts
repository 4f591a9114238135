import { registerEnumType } from 'type-graphql';
import { EventStatus } from './event.entity';

/**
 * The events workflow as one explicit state machine (domain.md §3: problems found bottom-up, solved top-down).
 * Each step is held by one unit; an operation is allowed by the event's status and by how the acting unit
 * relates to the holder: the holder itself, or a superior of it (a region unit above it; the county centre
 * above every department). Pure: no database here — `workflow.service.ts` applies it.
 *
 *   report ──▶ awaiting_acceptance ──ACCEPT──▶ in_progress ──RESOLVE──▶ resolved_awaiting_verification
 *                 │  ▲    REPORT_UP (to the superior, awaiting again)      │                 │
 *                 │  └──── DISPATCH (to a unit below or a department) ◀────┘   VERIFY passed │ VERIFY failed
 *                 │         RETURN (to the unit that passed it on)              ▼            ▼
 *                 └──────────────── ABORT ──▶ closed                      verified    verification_failed
 *                                                                    ARCHIVE ▼      (back to the resolver:
 *                                                                         archived   HANDLE, RESOLVE again)
 */

export enum EventOperation {
  /** 受理: the holder takes the event on. */
  ACCEPT = 'ACCEPT',
  /** 上报: the holder passes it to its superior (optionally copying departments, 抄告). */
  REPORT_UP = 'REPORT_UP',
  /** 交办/派单: the holder assigns it down to a unit below it or dispatches it to a department. */
  DISPATCH = 'DISPATCH',
  /** 办理: a comment (with attachments) while handling. */
  HANDLE = 'HANDLE',
  /** 办结: handled; the unit that dispatched it (or the holder itself) verifies. */
  RESOLVE = 'RESOLVE',
  /** 核查: pass → verified; fail → back to the resolver. */
  VERIFY = 'VERIFY',
  /** 备案/归档 of a verified event. */
  ARCHIVE = 'ARCHIVE',
  /** 回退: back to the unit that passed it on. */
  RETURN = 'RETURN',
  /** 关闭: the holder or a superior closes it without resolution. */
  ABORT = 'ABORT',
  /** 加急: set or clear the urgent flag. */
  SET_URGENT = 'SET_URGENT',
  /** 延时申请: the holder asks its superior for more days. */
  REQUEST_EXTENSION = 'REQUEST_EXTENSION',
  /** The superior approves or rejects a pending extension request. */
  DECIDE_EXTENSION = 'DECIDE_EXTENSION',
  /** 督办: a superior supervises (normal, yellow card, red card, or cancels a supervision). */
  SUPERVISE = 'SUPERVISE',
}
registerEnumType(EventOperation, {
  name: 'EventOperation',
  description: 'An operation of the events workflow',
});

/** How the acting unit relates to the event's holder. */
export type Relation = 'holder' | 'superior';

const OPEN: EventStatus[] = [
  EventStatus.AWAITING_ACCEPTANCE,
  EventStatus.IN_PROGRESS,
  EventStatus.RESOLVED_AWAITING_VERIFICATION,
  EventStatus.VERIFICATION_FAILED,
];
const HANDLING: EventStatus[] = [EventStatus.IN_PROGRESS, EventStatus.VERIFICATION_FAILED];

interface Rule {
  from: EventStatus[];
  by: Relation[];
}

export const RULES: Record<EventOperation, Rule> = {
  [EventOperation.ACCEPT]: { from: [EventStatus.AWAITING_ACCEPTANCE], by: ['holder'] },
  [EventOperation.REPORT_UP]: { from: [EventStatus.AWAITING_ACCEPTANCE, ...HANDLING], by: ['holder'] },
  [EventOperation.DISPATCH]: { from: HANDLING, by: ['holder'] },
  [EventOperation.HANDLE]: { from: HANDLING, by: ['holder'] },
  [EventOperation.RESOLVE]: { from: HANDLING, by: ['holder'] },
  [EventOperation.VERIFY]: { from: [EventStatus.RESOLVED_AWAITING_VERIFICATION], by: ['holder'] },
  [EventOperation.ARCHIVE]: { from: [EventStatus.VERIFIED], by: ['holder', 'superior'] },
  [EventOperation.RETURN]: {
    from: [EventStatus.AWAITING_ACCEPTANCE, EventStatus.IN_PROGRESS],
    by: ['holder'],
  },
  [EventOperation.ABORT]: { from: OPEN, by: ['holder', 'superior'] },
  [EventOperation.SET_URGENT]: { from: OPEN, by: ['holder', 'superior'] },
  [EventOperation.REQUEST_EXTENSION]: { from: HANDLING, by: ['holder'] },
  [EventOperation.DECIDE_EXTENSION]: { from: HANDLING, by: ['superior'] },
  [EventOperation.SUPERVISE]: { from: OPEN, by: ['superior'] },
};

/** What the event has beyond its status that some operations need. */
export interface WorkflowFacts {
  status: EventStatus;
  /** The route is not empty: there is a unit to return to. */
  canReturn: boolean;
  /** The holder has a superior (it is not the county centre). */
  hasSuperior: boolean;
  /** An extension request is pending. */
  pendingExtension: boolean;
}

/** The operations the relations allow in this state, in the enum's order. */
export function allowedOperations(facts: WorkflowFacts, relations: Relation[]): EventOperation[] {
  return (Object.keys(RULES) as EventOperation[]).filter((op) => {
    const rule = RULES[op];
    if (!rule.from.includes(facts.status) || !rule.by.some((r) => relations.includes(r))) return false;
    if (op === EventOperation.RETURN) return facts.canReturn;
    if (op === EventOperation.REPORT_UP) return facts.hasSuperior;
    if (op === EventOperation.REQUEST_EXTENSION) return !facts.pendingExtension && facts.hasSuperior;
    if (op === EventOperation.DECIDE_EXTENSION) return facts.pendingExtension;
    return true;
  });
}

export const OPEN_STATUSES = OPEN;
