import { Kind, getOperationAST, print, visit, type ArgumentNode, type DocumentNode } from 'graphql';
import { readEventCursor } from '../../platform/events/eventCursor';
import { RESUME_ARGUMENT, resumableOperation, rootField, type ResumableOperation } from './resumableOperation';
import { documentText, type PlannedSubscription } from './subscriptionPlanner';

/** Where a subscriber resumes: its `after`, and the stream position that cursor names. */
export interface ResumePoint {
  cursor: string;
  /** The stream the cursor belongs to (its events' cursors name the same). */
  domain: string;
  sequence: number;
}

/**
 * What makes two subscriptions one topic (besides the viewer they resolve
 * as), and where the topic's upstream subscription starts.
 */
export interface SharedTopicForm {
  /** The client's document as the topic knows it: without a literal `after`. */
  text: string;
  /** The client's variables without the one that only gives `after`. */
  variables: Readonly<Record<string, unknown>>;
  /**
   * The `after` the topic's upstream subscription starts from: null (from
   * now) when subscribers share it whatever their `after`; the client's own
   * when they cannot (then `after` is part of `text` or `variables`).
   */
  topicAfter: string | null;
  /** Set when the subscriber resumes into the shared topic: it catches up privately from here first. */
  resume?: ResumePoint;
  /** The plan's resumable primary operation, when its root field follows the cursor convention. */
  resumable?: ResumableOperation;
}

/**
 * How a subscription joins a topic. One whose root field is resumable
 * (`resumableOperation.ts`) shares a topic with the identical subscriptions
 * that differ only in `after`: the topic starts from now, and a subscriber
 * with `after` catches up from it on its own (`resumeJoin.ts`). That needs
 * `after` to be a cursor whose stream position the gateway can read (ours:
 * base64url of `<domain>:<sequence>`, `platform/events/eventCursor.ts`), and
 * given as a literal or a variable used nowhere else; otherwise the
 * subscription has a topic of its own that starts after its `after` (the
 * subgraph judges the cursor).
 */
export function sharedTopicForm(
  document: DocumentNode,
  operationName: string | null | undefined,
  plan: PlannedSubscription,
  variables: Readonly<Record<string, unknown>>,
): SharedTopicForm {
  const resumable = resumableOperation(plan);
  const whole = { text: documentText(document), variables, resumable };
  if (!resumable) return { ...whole, topicAfter: null };
  const after = resumable.variables(variables)[resumable.afterVariable];
  const clientAfter = typeof after === 'string' ? after : null;
  const own = { ...whole, topicAfter: clientAfter };

  const argument = afterArgument(document, operationName);
  if (argument === 'unknown') return own;
  let text = whole.text;
  let shared = variables;
  if (argument?.value.kind === Kind.VARIABLE) {
    const name = argument.value.name.value;
    if (variableUses(document, name) !== 1) return own;
    shared = Object.fromEntries(Object.entries(variables).filter(([key]) => key !== name));
  } else if (argument) {
    text = print(visit(document, { Argument: (node) => (node === argument ? null : undefined) }));
  }
  if (clientAfter === null) return { text, variables: shared, topicAfter: null, resumable };
  const position = readEventCursor(clientAfter);
  if (!position) return own;
  return { text, variables: shared, topicAfter: null, resumable, resume: { cursor: clientAfter, ...position } };
}

/** The `after` argument of the operation's one root field; null when it has none; 'unknown' when the root is not one plain field. */
function afterArgument(document: DocumentNode, operationName: string | null | undefined): ArgumentNode | null | 'unknown' {
  const root = rootField(getOperationAST(document, operationName)?.selectionSet);
  if (!root) return 'unknown';
  return root.arguments?.find((argument) => argument.name.value === RESUME_ARGUMENT) ?? null;
}

/** How many times the document uses `$name` (its definition aside). */
function variableUses(document: DocumentNode, name: string): number {
  let uses = 0;
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => {
      if (node.name.value === name) uses += 1;
    },
  });
  return uses;
}
