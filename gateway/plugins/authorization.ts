import {
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLCompositeType,
  type GraphQLFormattedError,
  type GraphQLOutputType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import type { Supergraph } from '@apollo/federation-internals';
import { ErrorCode } from '../../platform/errors';
import type { AuthenticatedViewer } from '../auth/authenticate';
import type { LoadedSupergraph } from '../supergraph';
import type { GatewayPlugin, OutgoingResult } from './gatewayPlugin';

/**
 * What happens to an operation that selects a field its caller may not see:
 * `filter` removes the field, answers it `null` with an error at its path and
 * runs the rest; `reject` refuses the whole operation before planning.
 */
export type AuthorizationMode = 'filter' | 'reject';

export interface AuthorizationPluginOptions {
  /** The composed supergraph; its `@authenticated` and `@requiresScopes` are read once, here. */
  supergraph: LoadedSupergraph;
  /** Default `filter`. */
  mode?: AuthorizationMode;
  /** Distinct documents whose filtered forms are kept (each per caller visibility). Default 1000. */
  cacheSize?: number;
}

/** The `extensions.code` of a field refused to its caller. */
type DeniedCode = ErrorCode.UNAUTHENTICATED | ErrorCode.FORBIDDEN;

/**
 * What a field asks of its caller: the field's own directives, those of the
 * type it returns, and for an interface field those of every implementation.
 * `scopes` holds one `@requiresScopes` argument per directive: all must hold,
 * each being a list of alternatives (any one), each alternative a list of
 * scopes (all of them).
 */
interface Requirement {
  authenticated: boolean;
  scopes: ReadonlyArray<ReadonlyArray<readonly string[]>>;
}

/** A field removed from the planned document: answered `null` with an error wherever the result holds its parent. */
interface Removal {
  /** Identifies the removal for error counting. */
  readonly id: number;
  /** The response key (alias or name). */
  readonly key: string;
  /** `Type.field`. */
  readonly coordinate: string;
  readonly code: DeniedCode;
  readonly message: string;
  /** A null here nulls the parent, as for any non-null field. */
  readonly nonNull: boolean;
  /** The `@skip`/`@include` nodes between the parent selection set and the field (the field included). */
  readonly guards: readonly GuardNode[];
}

type GuardNode = FieldNode | InlineFragmentNode | FragmentSpreadNode;

/**
 * What must be done to one position of the result (one selection set) once it
 * comes back: fields to answer `null`, kept fields with work below them, and
 * fragments whose own patch applies here when their guards pass and their
 * type condition matches the object's type.
 */
interface Patch {
  removals: Removal[];
  children: Map<string, { type: GraphQLOutputType; patch: Patch }>;
  includes: Array<{ patch: Patch; guards: readonly GuardNode[]; types: ReadonlySet<string> | null }>;
  /** The selection set holds the gateway's own `__typename` (under `PLACEHOLDER`), removed before the result is sent. */
  placeholder: boolean;
}

/** An operation as planned for one visibility, with what its result needs. */
interface Filtered {
  /** The document to plan: the original one when nothing was removed. */
  document: DocumentNode;
  /** Undefined when nothing was removed. */
  patch?: Patch;
  /** Every root field was removed: nothing is sent to any subgraph. */
  empty: boolean;
  /** The operation with nothing but the placeholder, planned when `data` is null whatever runs. */
  nothing?: DocumentNode;
}

/** The response key of the `__typename` the gateway adds to a selection set left empty (or to tell types apart), removed from every result. */
export const PLACEHOLDER = '_authzTypename';

const STATE = Symbol('authorization');

interface OperationState {
  patch: Patch;
  /** A removed non-null field nulls `data` whatever runs; its path. */
  dataNull: NullingRemoval | undefined;
  variables: Readonly<Record<string, unknown>>;
}

/**
 * Enforces the supergraph's `@authenticated` and `@requiresScopes` before
 * planning, for every transport. A field the caller may not see — anonymous:
 * any field with either directive (`UNAUTHENTICATED`); signed in: a
 * `@requiresScopes` field whose scopes the token's `scope` claim lacks
 * (`FORBIDDEN`) — is removed from the document that is planned and answered
 * `null` with an error at its path, and the rest of the operation runs. A
 * directive on a type applies to every field returning it.
 *
 * GraphQL's rules hold in the result: a removed non-null field nulls its
 * nearest nullable ancestor; a selection set left empty is planned as
 * `__typename` (removed from the result); inside lists every element gets its
 * null, and one error per removed field (at the path of its first null) says
 * so, so the number of errors is bounded by the document, not the data. When
 * every root field is removed, or a non-null one (which nulls `data`), nothing
 * is sent to any subgraph; a subscription in that state is refused.
 *
 * In `reject` mode any such field refuses the whole operation (HTTP 401 or
 * 403). Per-field requirements are computed once from the supergraph; each
 * operation costs one walk of its document, cached per document and
 * visibility (anonymous, or signed in with the relevant scopes).
 */
export function authorizationPlugin(options: AuthorizationPluginOptions): GatewayPlugin {
  const mode = options.mode ?? 'filter';
  const cacheSize = options.cacheSize ?? 1000;
  const schema = options.supergraph.supergraph.apiSchema().toGraphQLJSSchema();
  const requirements = readRequirements(options.supergraph.supergraph, schema);
  const relevantScopes = new Set([...requirements.values()].flatMap((fields) => [...fields.values()].flatMap((r) => r.scopes.flat(2))));
  /** Per document (least recently used first), per operation name and visibility. */
  const cache = new Map<DocumentNode, Map<string, Filtered>>();

  const filtered = (document: DocumentNode, definition: OperationDefinitionNode, viewer: AuthenticatedViewer): Filtered => {
    const scopes = viewer ? (viewer.scopes ?? []).filter((scope) => relevantScopes.has(scope)).sort() : [];
    const key = `${definition.name?.value ?? ''}|${viewer ? `+${scopes.join(' ')}` : '-'}`;
    let perDocument = cache.get(document);
    if (perDocument) {
      cache.delete(document);
    } else {
      perDocument = new Map();
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    }
    cache.set(document, perDocument);
    let result = perDocument.get(key);
    if (!result) {
      result = new DocumentFilter(schema, requirements, document, viewer ? new Set(scopes) : null).run(definition);
      perDocument.set(key, result);
    }
    return result;
  };

  return {
    name: 'authorization',
    onOperation(operation) {
      const { document, operation: definition } = operation;
      if (!document || !definition || requirements.size === 0) return;
      const result = filtered(document, definition, operation.request.viewer);
      if (!result.patch) return;
      const variables = operation.variables ?? {};
      const denied = appliedRemovals(result.patch, variables);
      if (!denied.length) {
        // Only fields that `@skip`/`@include` leave out were removed: plan the document as it was sent.
        return;
      }
      const dataNull = nullsData(result.patch, variables);
      // Reject mode refuses the request as such (401/403); a subscription left with nothing to run is refused as GraphQL over HTTP answers a query
      // whose data is null (200 with the errors; an `error` message over graphql-ws).
      if (mode === 'reject') throw refusal(denied, true);
      if (definition.operation === 'subscription' && (result.empty || dataNull)) throw refusal(denied, false);
      // When `data` is null anyway, nothing runs: no mutation writes what nobody may see.
      operation.document = dataNull ? result.nothing! : result.document;
      operation.state.set(STATE, { patch: result.patch, dataNull, variables } satisfies OperationState);
    },
    onResult(operation, result, format) {
      const state = operation.state.get(STATE) as OperationState | undefined;
      if (state) applyPatch(state, result, format);
    },
  };
}

/** `Type.field` → requirement, for every field that has one. */
function readRequirements(supergraph: Supergraph, schema: GraphQLSchema): Map<string, Map<string, Requirement>> {
  const features = supergraph.schema.coreFeatures;
  const authenticatedName = features?.getByIdentity('https://specs.apollo.dev/authenticated')?.directiveNameInSchema('authenticated');
  const scopesName = features?.getByIdentity('https://specs.apollo.dev/requiresScopes')?.directiveNameInSchema('requiresScopes');
  type Element = { appliedDirectivesOf(name: string): ReadonlyArray<{ arguments(): Record<string, unknown> }> };
  const own = (element: Element): Requirement | undefined => {
    const authenticated = authenticatedName ? element.appliedDirectivesOf(authenticatedName).length > 0 : false;
    const scopes = scopesName ? element.appliedDirectivesOf(scopesName).map((d) => d.arguments().scopes as string[][]) : [];
    return authenticated || scopes.length ? { authenticated, scopes } : undefined;
  };
  const byType = new Map<string, Requirement>();
  const byField = new Map<string, Requirement>();
  for (const type of supergraph.schema.types()) {
    const ofType = own(type);
    if (ofType) byType.set(type.name, ofType);
    if (type.kind === 'ObjectType' || type.kind === 'InterfaceType') {
      for (const field of type.fields()) {
        const ofField = own(field);
        if (ofField) byField.set(`${type.name}.${field.name}`, ofField);
      }
    }
  }
  const requirements = new Map<string, Map<string, Requirement>>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    const implementations = isInterfaceType(type) ? schema.getPossibleTypes(type) : [];
    for (const [name, field] of Object.entries(type.getFields())) {
      const parts = [byField.get(`${type.name}.${name}`), byType.get(getNamedType(field.type).name)];
      for (const implementation of implementations) parts.push(byField.get(`${implementation.name}.${name}`));
      const present = parts.filter((part): part is Requirement => part !== undefined);
      if (!present.length) continue;
      let fields = requirements.get(type.name);
      if (!fields) requirements.set(type.name, (fields = new Map()));
      fields.set(name, { authenticated: present.some((p) => p.authenticated), scopes: present.flatMap((p) => p.scopes) });
    }
  }
  return requirements;
}

let nextRemovalId = 0;

/** One walk of one operation for one visibility (`scopes` null: anonymous). */
class DocumentFilter {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  /** Each named fragment filtered once, whatever its spreads: its selections (none when emptied) and its patch. */
  private readonly filteredFragments = new Map<string, { selections: readonly SelectionNode[]; patch: Patch; changed: boolean }>();
  private changed = false;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly requirements: ReadonlyMap<string, ReadonlyMap<string, Requirement>>,
    private readonly document: DocumentNode,
    private readonly scopes: ReadonlySet<string> | null,
  ) {
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
  }

  run(definition: OperationDefinitionNode): Filtered {
    const root = this.schema.getRootType(definition.operation);
    if (!root) return { document: this.document, empty: false };
    const patch = newPatch();
    let selections = this.selections(definition.selectionSet.selections, root, patch);
    if (!this.changed) return { document: this.document, empty: false };
    const empty = selections.length === 0;
    if (empty) {
      selections = [placeholderField()];
      patch.placeholder = true;
    }
    const operation: OperationDefinitionNode = { ...definition, selectionSet: { ...definition.selectionSet, selections } };
    // Only the fragments the filtered operation still spreads, so the document stays valid.
    const used = new Set<string>();
    const collect = (nodes: readonly SelectionNode[]): void => {
      for (const node of nodes) {
        if (node.kind === Kind.FRAGMENT_SPREAD) {
          if (used.has(node.name.value)) continue;
          used.add(node.name.value);
          collect(this.filteredFragments.get(node.name.value)!.selections);
        } else if (node.selectionSet) collect(node.selectionSet.selections);
      }
    };
    collect(selections);
    const fragments = [...used].map((name): FragmentDefinitionNode => {
      const original = this.fragments.get(name)!;
      return { ...original, selectionSet: { ...original.selectionSet, selections: this.filteredFragments.get(name)!.selections } };
    });
    const nothing: DocumentNode = {
      ...this.document,
      definitions: [{ ...definition, selectionSet: { kind: Kind.SELECTION_SET, selections: [placeholderField()] } }],
    };
    return { document: { ...this.document, definitions: [operation, ...fragments] }, patch, empty, nothing };
  }

  /**
   * The selections the caller may see, recording in `patch` what the result
   * needs; `guards` are the `@skip`/`@include` carriers between `patch`'s
   * selection set and these selections.
   */
  private selections(nodes: readonly SelectionNode[], parent: GraphQLCompositeType, patch: Patch, guards: readonly GuardNode[] = []): SelectionNode[] {
    const kept: SelectionNode[] = [];
    for (const node of nodes) {
      switch (node.kind) {
        case Kind.FIELD: {
          const name = node.name.value;
          // __typename, __schema and __type: nothing to authorize.
          const definition = name.startsWith('__') || isUnionType(parent) ? undefined : parent.getFields()[name];
          if (!definition) {
            kept.push(node);
            break;
          }
          const key = node.alias?.value ?? name;
          const coordinate = `${parent.name}.${name}`;
          const denied = this.denied(this.requirements.get(parent.name)?.get(name));
          if (denied) {
            this.changed = true;
            patch.removals.push({
              id: nextRemovalId++,
              key,
              coordinate,
              code: denied.code,
              message: denied.message(coordinate),
              nonNull: isNonNullType(definition.type),
              guards: [...guards, node],
            });
            break;
          }
          if (!node.selectionSet) {
            kept.push(node);
            break;
          }
          const type = getNamedType(definition.type) as GraphQLCompositeType;
          const child = patch.children.get(key)?.patch ?? newPatch();
          const before = this.changed;
          this.changed = false;
          let selections = this.selections(node.selectionSet.selections, type, child);
          const changedBelow = this.changed;
          this.changed = before || changedBelow;
          if (!changedBelow) {
            kept.push(node);
            break;
          }
          if (selections.length === 0 || needsTypename(child)) {
            selections = [...selections, placeholderField()];
            child.placeholder = true;
          }
          patch.children.set(key, { type: definition.type, patch: child });
          kept.push({ ...node, selectionSet: { ...node.selectionSet, selections } });
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const condition = node.typeCondition ? (this.schema.getType(node.typeCondition.name.value) as GraphQLCompositeType) : parent;
          const before = this.changed;
          this.changed = false;
          const inner = newPatch();
          const selections = this.selections(node.selectionSet.selections, condition, inner, []);
          const changedHere = this.changed;
          this.changed = before || changedHere;
          if (!changedHere) {
            kept.push(node);
            break;
          }
          patch.includes.push({ patch: inner, guards: [...guards, node], types: this.narrowing(parent, condition) });
          if (selections.length) kept.push({ ...node, selectionSet: { ...node.selectionSet, selections } });
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = this.fragment(node.name.value);
          if (!fragment) {
            kept.push(node);
            break;
          }
          if (!fragment.changed) {
            kept.push(node);
            break;
          }
          this.changed = true;
          const condition = this.schema.getType(this.fragments.get(node.name.value)!.typeCondition.name.value) as GraphQLCompositeType;
          patch.includes.push({ patch: fragment.patch, guards: [...guards, node], types: this.narrowing(parent, condition) });
          if (fragment.selections.length) kept.push(node);
          break;
        }
      }
    }
    return kept;
  }

  private fragment(name: string): { selections: readonly SelectionNode[]; patch: Patch; changed: boolean } | undefined {
    const memo = this.filteredFragments.get(name);
    if (memo) return memo;
    const definition = this.fragments.get(name);
    if (!definition) return undefined;
    const before = this.changed;
    this.changed = false;
    const patch = newPatch();
    const condition = this.schema.getType(definition.typeCondition.name.value) as GraphQLCompositeType;
    const selections = this.selections(definition.selectionSet.selections, condition, patch);
    const result = { selections: this.changed ? selections : definition.selectionSet.selections, patch, changed: this.changed };
    this.changed = before;
    this.filteredFragments.set(name, result);
    return result;
  }

  /** The object types a fragment on `condition` applies to at a `parent` position; null when it applies to all of them. */
  private narrowing(parent: GraphQLCompositeType, condition: GraphQLCompositeType): ReadonlySet<string> | null {
    if (isObjectType(parent) || parent === condition) return null;
    const types = isAbstractType(condition) ? this.schema.getPossibleTypes(condition) : [condition];
    return new Set(types.map((type) => type.name));
  }

  private denied(requirement: Requirement | undefined): { code: DeniedCode; message: (coordinate: string) => string } | undefined {
    if (!requirement) return undefined;
    if (!this.scopes) {
      return {
        code: ErrorCode.UNAUTHENTICATED,
        message: (coordinate) => `${coordinate} needs a signed-in caller: send "Authorization: Bearer <token>" (from logIn).`,
      };
    }
    const scopes = this.scopes;
    const missing = requirement.scopes.find((alternatives) => !alternatives.some((all) => all.every((scope) => scopes.has(scope))));
    if (!missing) return undefined;
    const needed = missing.map((all) => all.join(' and ')).join(', or ');
    return { code: ErrorCode.FORBIDDEN, message: (coordinate) => `${coordinate} needs the scope ${needed}, which your token does not grant.` };
  }
}

function newPatch(): Patch {
  return { removals: [], children: new Map(), includes: [], placeholder: false };
}

function placeholderField(): FieldNode {
  return { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PLACEHOLDER }, name: { kind: Kind.NAME, value: '__typename' } };
}

/** True when a fragment below applies to some object types only: the result must tell the types apart. */
function needsTypename(patch: Patch): boolean {
  return patch.includes.some((include) => include.types !== null);
}

/** False when a `@skip`/`@include` of `guards` leaves the field out. */
function included(guards: readonly GuardNode[], variables: Readonly<Record<string, unknown>>): boolean {
  for (const node of guards) {
    if (!node.directives?.length) continue;
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false) return false;
  }
  return true;
}

/** The removals the request asks for (guards passing), each once. */
function appliedRemovals(patch: Patch, variables: Readonly<Record<string, unknown>>, seen = new Set<Patch>(), out: Removal[] = []): Removal[] {
  if (seen.has(patch)) return out;
  seen.add(patch);
  for (const removal of patch.removals) if (included(removal.guards, variables)) out.push(removal);
  for (const { patch: child } of patch.children.values()) appliedRemovals(child, variables, seen, out);
  for (const include of patch.includes) if (included(include.guards, variables)) appliedRemovals(include.patch, variables, seen, out);
  return out;
}

interface NullingRemoval {
  removal: Removal;
  path: readonly string[];
}

/**
 * The removal that nulls `data` whatever the subgraphs answer, if any: a
 * removed non-null root field, or one under a chain of kept non-null,
 * non-list fields from the root.
 */
function nullsData(patch: Patch, variables: Readonly<Record<string, unknown>>, path: readonly string[] = []): NullingRemoval | undefined {
  const removal = patch.removals.find((candidate) => candidate.nonNull && included(candidate.guards, variables));
  if (removal) return { removal, path: [...path, removal.key] };
  for (const [key, { type, patch: child }] of patch.children) {
    const found = isNonNullType(type) && !isListType(type.ofType) ? nullsData(child, variables, [...path, key]) : undefined;
    if (found) return found;
  }
  for (const include of patch.includes) {
    const found = include.types === null && included(include.guards, variables) ? nullsData(include.patch, variables, path) : undefined;
    if (found) return found;
  }
  return undefined;
}

function refusal(denied: readonly Removal[], withStatus: boolean): GraphQLError {
  const unauthenticated = denied.some((removal) => removal.code === ErrorCode.UNAUTHENTICATED);
  const coordinates = [...new Set(denied.map((removal) => removal.coordinate))];
  const shown = coordinates.slice(0, 5).join(', ') + (coordinates.length > 5 ? ` and ${coordinates.length - 5} more` : '');
  const first = denied.find((removal) => removal.code === (unauthenticated ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN))!;
  return new GraphQLError(
    denied.length === 1 ? first.message : `This operation selects fields the caller may not see (${shown}); the first: ${first.message}`,
    {
      extensions: {
        code: unauthenticated ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN,
        ...(withStatus ? { http: { status: unauthenticated ? 401 : 403 } } : {}),
      },
    },
  );
}

/** Errors of one result: one per removal and position in the document, at the path of its first null. */
class RemovalErrors {
  readonly errors = new Map<string, { removal: Removal; path: ReadonlyArray<string | number> }>();

  /** `path` is the removed field's own. */
  add(removal: Removal, path: ReadonlyArray<string | number>): void {
    const key = `${removal.id}|${path.filter((part) => typeof part === 'string').join('.')}`;
    if (!this.errors.has(key)) this.errors.set(key, { removal, path });
  }
}

/** Answers the removed fields of one result (an HTTP response, or one subscription event). */
function applyPatch(state: OperationState, result: OutgoingResult, format: (error: GraphQLError) => GraphQLFormattedError): void {
  const errors = new RemovalErrors();
  if (state.dataNull) {
    // Nothing was asked of the subgraphs: the removal that nulls `data`, and the other removed root fields.
    errors.add(state.dataNull.removal, state.dataNull.path);
    for (const removal of state.patch.removals) if (included(removal.guards, state.variables)) errors.add(removal, [removal.key]);
    result.data = null;
  } else if (result.data) {
    result.data = patchObject(result.data, [state.patch], [], state.variables, errors);
  } else {
    return;
  }
  const added = [...errors.errors.values()].map(({ removal, path }) => format(new GraphQLError(removal.message, { path, extensions: { code: removal.code } })));
  result.errors = [...(result.errors ?? []), ...added];
}

/**
 * A copy of `object` with `patches` applied: removed fields `null`, the
 * gateway's placeholder gone; null when a non-null field of it is null.
 * Copies rather than changes, since one subscription event may be shared by
 * several subscribers.
 */
function patchObject(
  object: Record<string, unknown>,
  patches: readonly Patch[],
  path: ReadonlyArray<string | number>,
  variables: Readonly<Record<string, unknown>>,
  errors: RemovalErrors,
): Record<string, unknown> | null {
  const typename = object[PLACEHOLDER] ?? object.__typename;
  const flat: Patch[] = [];
  const flatten = (patch: Patch): void => {
    flat.push(patch);
    for (const include of patch.includes) {
      if (include.types && !(typeof typename === 'string' && include.types.has(typename))) continue;
      if (included(include.guards, variables)) flatten(include.patch);
    }
  };
  for (const patch of patches) flatten(patch);
  const copy: Record<string, unknown> = { ...object };
  let nulled = false;
  const children = new Map<string, { type: GraphQLOutputType; patches: Patch[] }>();
  for (const patch of flat) {
    if (patch.placeholder) delete copy[PLACEHOLDER];
    for (const removal of patch.removals) {
      if (!included(removal.guards, variables)) continue;
      copy[removal.key] = null;
      errors.add(removal, [...path, removal.key]);
      if (removal.nonNull) nulled = true;
    }
    for (const [key, child] of patch.children) {
      const entry = children.get(key);
      if (entry) entry.patches.push(child.patch);
      else children.set(key, { type: child.type, patches: [child.patch] });
    }
  }
  for (const [key, { type, patches: below }] of children) {
    const value = copy[key];
    if (value === undefined || value === null) continue;
    const patched = patchValue(value, type, below, [...path, key], variables, errors);
    copy[key] = patched;
    if (patched === null && isNonNullType(type)) nulled = true;
  }
  return nulled ? null : copy;
}

function patchValue(
  value: unknown,
  type: GraphQLOutputType,
  patches: readonly Patch[],
  path: ReadonlyArray<string | number>,
  variables: Readonly<Record<string, unknown>>,
  errors: RemovalErrors,
): unknown {
  if (value === null || value === undefined) return value;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    if (!Array.isArray(value)) return value;
    const itemType = inner.ofType as GraphQLOutputType;
    const list: unknown[] = [];
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      const patched = patchValue(item, itemType, patches, [...path, index], variables, errors);
      // A nulled non-null element nulls the list.
      if (patched === null && item !== null && isNonNullType(itemType)) return null;
      list.push(patched);
    }
    return list;
  }
  if (!isCompositeType(getNamedType(inner)) || typeof value !== 'object') return value;
  return patchObject(value as Record<string, unknown>, patches, path, variables, errors);
}
