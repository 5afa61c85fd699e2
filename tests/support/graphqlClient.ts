/** The parsed answer of one GraphQL HTTP request. */
export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  headers: Headers;
}

/** Sends one operation over real HTTP, with a bearer token when given. */
export async function graphql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GraphQLResponse['errors'] };
  return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
}

/** Like `graphql`, but fails the test with the errors when there are any. */
export async function graphqlOk<T = any>(url: string, query: string, variables?: Record<string, unknown>, token?: string): Promise<T> {
  const result = await graphql<T>(url, query, variables, { token });
  if (result.errors?.length || result.status !== 200) {
    throw new Error(`Expected success, got HTTP ${result.status}: ${JSON.stringify(result.errors)}`);
  }
  return result.data as T;
}
