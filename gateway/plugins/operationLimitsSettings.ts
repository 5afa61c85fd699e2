// The operation limits' settings and defaults, apart from the plugin so that reading configuration loads no graphql.

/** The shape limits every operation is checked against, with the setting that changes each. */
export interface OperationLimits {
  /** `MAX_DOCUMENT_LENGTH`: characters in the operation's text. Default 50 000. */
  maxDocumentLength: number;
  /** `MAX_TOKENS`: lexical tokens in the text (graphql-js `parse`'s `maxTokens`). Default 5 000. */
  maxTokens: number;
  /** `MAX_NESTING`: brackets (`{`, `[`, `(`) open at once, in selections and literals alike: bounds every recursive walk. Default 100. */
  maxNesting: number;
  /** `MAX_DEPTH`: fields nested in one another, through fragments (which add no level of their own). Default 15. */
  maxDepth: number;
  /** `MAX_ALIASES`: aliased fields in an operation, each fragment counted where it is spread. Default 30. */
  maxAliases: number;
  /** `MAX_ROOT_FIELDS`: fields selected at an operation's root, fragments inlined. Default 20. */
  maxRootFields: number;
  /** `MAX_DIRECTIVES`: directives applied in an operation, each fragment counted where it is spread. Default 50. */
  maxDirectives: number;
  /** `MAX_SELECTIONS`: field selections once every fragment is inlined (a fragment spread ten times counts ten times). Default 2 000. */
  maxSelections: number;
  /** `MAX_ERRORS`: errors in one response; more are dropped. Default 100. */
  maxErrors: number;
}

export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = {
  maxDocumentLength: 50_000,
  maxTokens: 5_000,
  maxNesting: 100,
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxSelections: 2_000,
  maxErrors: 100,
};
