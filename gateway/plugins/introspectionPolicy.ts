import { ErrorCode } from '../../platform/errors';
import { GraphQLError, visit, BREAK, type DocumentNode } from 'graphql';
import type { GatewayPlugin } from './gatewayPlugin';

/** True when the document selects `__schema` or `__type` anywhere (fragments included); `__typename` is not introspection. */
export function selectsIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * The introspection policy for every transport: when introspection is off
 * (`INTROSPECTION=false`, the production default), a document that selects
 * `__schema` or `__type` is refused with `GRAPHQL_VALIDATION_FAILED` (400)
 * before planning.
 */
export function introspectionPolicyPlugin(options: { allowed: boolean }): GatewayPlugin {
  // Per document: a document sent again (the pipeline parses each text once) is not walked again.
  const verdicts = new WeakMap<DocumentNode, boolean>();
  const introspects = (document: DocumentNode) => {
    let found = verdicts.get(document);
    if (found === undefined) verdicts.set(document, (found = selectsIntrospection(document)));
    return found;
  };
  return {
    name: 'introspectionPolicy',
    onOperation(operation) {
      if (options.allowed || !operation.document || !introspects(operation.document)) return;
      throw new GraphQLError('Introspection is disabled on this gateway (INTROSPECTION=false).', {
        extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, http: { status: 400 } },
      });
    },
  };
}
