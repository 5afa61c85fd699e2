import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { ErrorCode } from '../../platform/errors';
import type { GatewayPlugin } from './gatewayPlugin';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './operationLimitsSettings';

function refused(code: ErrorCode.GRAPHQL_PARSE_FAILED | ErrorCode.GRAPHQL_VALIDATION_FAILED, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/**
 * Operation limits, checked on every transport before validation against
 * the schema and before planning, so a hostile document costs the gateway a
 * linear scan and never reaches a subgraph:
 *
 * - on the text (`onSource`): its length, then one pass of graphql-js's own
 *   lexer counting tokens and bracket nesting — the nesting bound keeps the
 *   recursive parser (and every walk after it) off deep literals such as
 *   `[[[[…]]]]`, which would otherwise overflow the stack;
 * - on the document (`onDocument`): depth, aliases and directives with
 *   graphql-armor's rules, and root fields and the selections after fragments
 *   are inlined (no library counts these) by one memoized walk, so a fragment
 *   explosion is measured without being expanded;
 * - on each response (`onResult`): at most `maxErrors` errors.
 *
 * A refused operation gets 400 with `GRAPHQL_PARSE_FAILED` (text limits) or
 * `GRAPHQL_VALIDATION_FAILED` (document limits), and a message naming the
 * limit, its setting and the measured value. Every option defaults to
 * `DEFAULT_OPERATION_LIMITS`.
 */
export function operationLimitsPlugin(options: { schema: GraphQLSchema; limits?: Partial<OperationLimits> }): GatewayPlugin {
  const limits: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, ...options.limits };
  const exceeded = (what: string, limit: number, setting: string, found: number | string) =>
    refused(ErrorCode.GRAPHQL_VALIDATION_FAILED, `The operation exceeds the limit of ${limit} ${what} (${setting}): it has ${found}.`);
  // graphql-armor's rules report by throwing ("Syntax Error: Aliases limit of N exceeded, found M."); its numbers are kept.
  const armor = [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: false }),
    maxAliasesRule({ n: limits.maxAliases, allowList: [] }),
    maxDirectivesRule({ n: limits.maxDirectives }),
  ];
  const armorLimits: ReadonlyArray<[RegExp, string, string]> = [
    [/depth limit/i, 'fields of depth', 'MAX_DEPTH'],
    [/aliases limit/i, 'aliases', 'MAX_ALIASES'],
    [/directives limit/i, 'directives', 'MAX_DIRECTIVES'],
  ];
  return {
    name: 'operationLimits',
    parseOptions: { maxTokens: limits.maxTokens },
    onSource(source) {
      if (source.length > limits.maxDocumentLength) {
        throw refused(
          ErrorCode.GRAPHQL_PARSE_FAILED,
          `The document exceeds the limit of ${limits.maxDocumentLength} characters (MAX_DOCUMENT_LENGTH): it has ${source.length}.`,
        );
      }
      const { tokens, nesting } = scan(source);
      if (tokens > limits.maxTokens) {
        throw refused(ErrorCode.GRAPHQL_PARSE_FAILED, `The document exceeds the limit of ${limits.maxTokens} tokens (MAX_TOKENS): it has ${tokens}.`);
      }
      if (nesting > limits.maxNesting) {
        throw refused(
          ErrorCode.GRAPHQL_PARSE_FAILED,
          `The document exceeds the limit of ${limits.maxNesting} nested brackets (MAX_NESTING): it nests ${nesting} deep.`,
        );
      }
    },
    onDocument(document) {
      try {
        // Only these rules: the schema's own validation comes after, once the document is known to be small.
        validate(options.schema, document, armor);
      } catch (error) {
        const match = error instanceof GraphQLError ? armorLimits.find(([pattern]) => pattern.test(error.message)) : undefined;
        if (!match) throw error;
        const [, what, setting] = match;
        const message = (error as GraphQLError).message;
        throw exceeded(what, Number(/limit of (\d+)/.exec(message)?.[1]), setting, /found (\d+)/.exec(message)?.[1] ?? 'more');
      }
      const { rootFields, selections } = measureSelections(document, limits.maxSelections);
      if (rootFields > limits.maxRootFields) throw exceeded('root fields', limits.maxRootFields, 'MAX_ROOT_FIELDS', rootFields);
      if (selections > limits.maxSelections) {
        throw exceeded('field selections with fragments inlined', limits.maxSelections, 'MAX_SELECTIONS', selections > 1e15 ? 'more than 10^15' : selections);
      }
    },
    onResult(_operation, result) {
      if (result.errors && result.errors.length > limits.maxErrors) result.errors.length = limits.maxErrors;
    },
  };
}

/**
 * Tokens and the deepest bracket nesting of `source`, by graphql-js's lexer
 * (so strings and comments are skipped as the parser skips them). Stops at a
 * lexical error, which `parse` then reports. Linear, and not recursive.
 */
function scan(source: string): { tokens: number; nesting: number } {
  const lexer = new Lexer(new Source(source));
  let tokens = 0;
  let open = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
        open += 1;
        if (open > nesting) nesting = open;
      } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
        open -= 1;
      }
    }
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
  }
  return { tokens, nesting };
}

/**
 * The most root fields of any operation in `document`, and the most field
 * selections of any operation once fragments are inlined. Each fragment's
 * size is computed once and multiplied where it is spread, so the walk is
 * linear in the document even when the inlined operation would be
 * astronomically large; a fragment spread inside itself counts nothing
 * (validation refuses the cycle afterwards).
 */
export function measureSelections(document: DocumentNode, cap: number): { rootFields: number; selections: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  // Per fragment, its fields at its own level ("root") and with every level below ("deep"), once each.
  const counts = new Map<string, number>();
  const visiting = new Set<string>();

  const fragmentCount = (name: string, deep: boolean): number => {
    const key = `${deep ? 'deep' : 'root'}:${name}`;
    const known = counts.get(key);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || visiting.has(key)) return 0;
    visiting.add(key);
    const count = fieldCount(fragment.selectionSet, deep);
    visiting.delete(key);
    counts.set(key, count);
    return count;
  };
  /** Fields of `set`, fragments inlined; with `deep`, of every level below too. */
  const fieldCount = (set: SelectionSetNode, deep: boolean): number => {
    let count = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) count += 1 + (deep && selection.selectionSet ? fieldCount(selection.selectionSet, true) : 0);
      else if (selection.kind === Kind.INLINE_FRAGMENT) count += fieldCount(selection.selectionSet, deep);
      else count += fragmentCount(selection.name.value, deep);
      // Past the cap the exact number no longer matters; stopping early keeps the sum finite.
      if (count > cap * 1e12) return count;
    }
    return count;
  };

  let rootFields = 0;
  let selections = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    rootFields = Math.max(rootFields, fieldCount(definition.selectionSet, false));
    selections = Math.max(selections, fieldCount(definition.selectionSet, true));
  }
  return { rootFields, selections };
}
