import type { RequestSigner } from '../../platform/auth/gatewaySignature';
import { createHash } from 'node:crypto';
import { GraphQLError, getOperationAST, type DocumentNode, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import type { GraphQLDataSource } from '@apollo/gateway';
import type { Supergraph } from '@apollo/federation-internals';
import { AsyncQueue } from '../../platform/asyncQueue';
import { setAlarm, systemClock, type Clock } from '../../platform/clock';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { GatewayContext } from '../context';
import { SubscriptionPlanner, primaryVariables, validateVariables, type PlannedSubscription } from './subscriptionPlanner';
import { TurnScheduler } from '../../platform/turnScheduler';
import { SubscriptionEventResolver } from './subscriptionEventResolver';
import { DEFAULT_VIEWER_DEPENDENT, viewerDependentFound } from './viewerDependence';
import { DEFAULT_OWNER_FILTERED, GATEWAY_PRINCIPAL, ownerFilteredForm, type OwnerFilteredField, type OwnerFilteredForm } from './ownerFilter';
import { UpstreamSubscriptionError, UpstreamSubscriptionPool, extensionsFromHeaders, type UpstreamSubscription } from './upstream';
import { retryableEnd, withGraphQLErrors } from './eventResult';
import type { ResumableOperation } from './resumableOperation';
import { sharedTopicForm, type ResumePoint, type SharedTopicForm } from './sharedTopic';
import { catchUp } from './catchUp';
import { replicaUrls } from '../transport/replicas';
import { GatewayPipeline, type GatewayOperation } from '../plugins/gatewayPlugin';

/** One client subscription as a transport received it. */
export interface SubscriptionRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface SubscriptionServiceOptions {
  /** The composed supergraph: its SDL, or the `Supergraph` already built from it (`loadSupergraph`), which is not built again. */
  supergraph: string | Supergraph;
  /**
   * Each subgraph's HTTP URL, or its replicas' (a comma-separated list, or a
   * list: `replicaUrls`); its graphql-ws endpoint is the same URL over
   * ws://. Subscriptions spread over the replicas, and move to another when
   * theirs goes away.
   */
  subgraphUrls: Readonly<Record<string, string | readonly string[]>>;
  /**
   * `SUBSCRIPTION_UPSTREAM_RETRY_MS`: how long a subscription whose upstream
   * connection was lost waits for a replica of its subgraph to take it back
   * before it ends with a retryable `SERVICE_UNAVAILABLE`. Default 30 000.
   */
  upstreamRetryMs?: number;
  /** Signs the WebSocket upgrade to each subgraph (`platform/auth/gatewaySignature.ts`). Default none. */
  signRequest?: RequestSigner;
  /** The gateway's data sources by subgraph name, for entity fetches. */
  dataSources: Readonly<Record<string, GraphQLDataSource<GatewayContext>>>;
  /**
   * The gateway pipeline: every subscription runs its `onOperation` and
   * `onPlan` hooks, and its upstream subscription and entity fetches its
   * `onSubgraphRequest` hooks (signed identity, request id), like a query.
   */
  pipeline: GatewayPipeline;
  logger: Logger;
  /** Results kept for a subscriber that reads slowly before it is ended. Default 100. */
  maxQueuedPerSubscriber?: number;
  /** How often a shared upstream subscription asks the pipeline for its subgraph headers again (the identity plugin re-signs what has aged). Default 10 000 ms. */
  identityRefreshMs?: number;
  /** The source of time for token expiry. Default: the system clock. */
  clock?: Clock;
  /** Types and `Type.field` coordinates whose value depends on the viewer. Default `DEFAULT_VIEWER_DEPENDENT`. */
  viewerDependent?: readonly string[];
  /**
   * `Subscription` fields visible to the event's owner and to ADMINs, whose
   * subscriptions share one upstream for every viewer, filtered per
   * subscriber by owner (`ownerFilter.ts`). Default `DEFAULT_OWNER_FILTERED`; [] for one upstream per viewer.
   */
  ownerFiltered?: readonly OwnerFilteredField[];
  /**
   * Subscribes started per turn of the event loop, in arrival order, so a
   * burst (a mass reconnect) leaves room for HTTP between batches
   * (`TurnScheduler`). Default 10.
   */
  subscribesPerTurn?: number;
}

interface Listener {
  /** On an owner-filtered topic, whether `event` (an upstream result) is this subscriber's; absent: every event is. */
  accepts?(event: FormattedExecutionResult): boolean;
  /** One result of the topic, resolved from `event` (its upstream result). */
  push(result: ExecutionResult, event: FormattedExecutionResult): void;
  end(final?: ExecutionResult): void;
}

/**
 * Identical subscriptions (same document, operation, variables and viewer;
 * `after` aside for a resumable field: `sharedTopic.ts`) share one upstream
 * subscription and one resolution per event.
 */
interface Topic {
  key: string;
  plan: PlannedSubscription;
  variables: Record<string, unknown>;
  /** The operation the topic's upstream subscription and entity fetches run as: the first subscriber's, with the resolving viewer. */
  context: GatewayContext;
  listeners: Set<Listener>;
  upstream: UpstreamSubscription;
  refresh?: NodeJS.Timeout;
  /** The upstream subscribe message's `extensions` now (a subscriber catching up presents them too). */
  extensions: () => Record<string, unknown>;
  /** The topic's resumable primary operation, when its root field follows the cursor convention. */
  resumable?: ResumableOperation;
  /** The cursor of the last event its upstream subscription received: a subscriber joining now gets every event after it. */
  lastCursor?: string;
  /** Set on an owner-filtered topic: the owner of one of its events (`ownerFilter.ts`). */
  ownerOf?: OwnerFilteredForm['ownerOf'];
}

/**
 * Federated subscriptions for every client transport (graphql-ws,
 * multipart HTTP): validates and plans the operation, subscribes upstream to
 * the subgraph that owns the root field, resolves each event's fields from
 * the other subgraphs (the plan's `rest`), and fans results out to the
 * subscribers sharing it. When the last subscriber leaves, the upstream
 * subscription is cancelled.
 *
 * Which subscriptions share: one that selects nothing viewer-dependent
 * (`viewerDependent`: e.g. `reviewAdded { body author { name } }`) is the same
 * for everyone, so identical ones share whoever asks, resolved as an
 * anonymous caller; one that does (`author { email }`) shares only with
 * identical subscriptions of the same viewer. One on an owner-filtered field
 * (`orderStatusChanged` without `orderId`: `ownerFilter.ts`) whose selection
 * the owner sees as an ADMIN does shares with everyone's: one upstream
 * subscription as the gateway's ADMIN principal, each event delivered only to
 * its owner's subscribers and to ADMINs.
 */
export class SubscriptionService {
  private readonly planner: SubscriptionPlanner;
  private readonly pool: UpstreamSubscriptionPool;
  private readonly resolver: SubscriptionEventResolver;
  private readonly topics = new Map<string, Topic>();
  private readonly opening = new Map<string, Promise<Topic>>();
  private readonly logger: Logger;
  private readonly maxQueued: number;
  private readonly identityRefreshMs: number;
  private readonly viewerDependent: ReadonlySet<string>;
  private readonly ownerFiltered: readonly OwnerFilteredField[];
  private readonly admission: TurnScheduler;
  private readonly admitted = new WeakSet<GatewayOperation>();
  private closed = false;

  constructor(private readonly options: SubscriptionServiceOptions) {
    this.planner = new SubscriptionPlanner(options.supergraph);
    this.pool = new UpstreamSubscriptionPool({
      subgraphUrls: Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, urls]) => [name, replicaUrls(urls)])),
      signUpgrade: options.signRequest,
      retryMs: options.upstreamRetryMs,
      clock: options.clock,
      logger: options.logger,
    });
    this.resolver = new SubscriptionEventResolver({ dataSources: options.dataSources, logger: options.logger });
    this.logger = options.logger;
    this.maxQueued = options.maxQueuedPerSubscriber ?? 100;
    this.identityRefreshMs = options.identityRefreshMs ?? 10_000;
    this.viewerDependent = new Set(options.viewerDependent ?? DEFAULT_VIEWER_DEPENDENT);
    this.ownerFiltered = options.ownerFiltered ?? DEFAULT_OWNER_FILTERED;
    this.admission = new TurnScheduler({ perTurn: options.subscribesPerTurn ?? 10 });
  }

  /** Upstream subscriptions open now: one per shared topic, and one per subscriber still catching up from its `after`. */
  get upstreamCount(): number {
    return this.pool.activeSubscriptions;
  }

  /** Topics now: groups of identical subscriptions sharing one upstream subscription and one resolution per event. */
  get topicCount(): number {
    return this.topics.size;
  }

  /** Client subscriptions open now. */
  get subscriberCount(): number {
    let count = 0;
    for (const topic of this.topics.values()) count += topic.listeners.size;
    return count;
  }

  /** True when `query` is a subscription operation (for transports that also carry queries). */
  static isSubscription(document: DocumentNode, operationName?: string | null): boolean {
    const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
    const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
    return operation?.operation === 'subscription';
  }

  /**
   * Starts one client subscription as `operation` (whose request carries the
   * verified caller and the request id). Returns `{ errors }` when it is
   * refused (parse, validation, the pipeline's `onOperation` hooks — limits,
   * introspection policy —, variables), else the stream of results; calling
   * the stream's `return()` ends it and frees what it held.
   */
  async start(
    request: SubscriptionRequest,
    operation: GatewayOperation,
  ): Promise<{ errors: readonly GraphQLError[] } | { stream: AsyncIterableIterator<ExecutionResult> }> {
    // Every transport's subscribes pass here: a burst is started a few per turn of the event loop.
    await this.admit(operation);
    if (this.closed)
      return { errors: [new GraphQLError('The gateway is shutting down; subscribe again.', { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } })] };
    let document: DocumentNode;
    try {
      document = this.options.pipeline.parse(operation, request.query);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    operation.variables = request.variables ?? {};
    operation.operation = getOperationAST(document, request.operationName) ?? undefined;
    if (operation.operation?.name) operation.operationName = operation.operation.name.value;
    const invalid = this.planner.validate(document, request.operationName);
    if (invalid.length) return { errors: invalid };
    try {
      await this.options.pipeline.operation(operation);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    // A plugin may have replaced the document (fields the caller may not see removed): that is what runs.
    document = operation.document ?? document;
    let plan: PlannedSubscription;
    try {
      plan = this.planner.plan(document, request.operationName);
    } catch (error) {
      return { errors: [error instanceof GraphQLError ? error : new GraphQLError(String(error))] };
    }
    this.options.pipeline.plan(operation, plan.queryPlan);
    const variables = request.variables ?? {};
    const badVariables = validateVariables(plan, variables);
    if (badVariables.length) return { errors: badVariables };

    // A viewer-independent subscription is resolved as nobody in particular, and shared by everyone.
    const { viewer } = operation.request;
    const dependent = viewerDependentFound(document, plan.schemas.apiGraphQLSchema, this.viewerDependent);
    // Subscriptions that differ only in `after` share the topic; one resuming catches up on its own first.
    const form = sharedTopicForm(document, request.operationName, plan, variables);
    // Visible to its owner and ADMINs alone: one topic for every viewer, filtered per subscriber (a signed-in one: the subgraph refuses anonymous callers itself).
    const owned =
      dependent.size && viewer ? ownerFilteredForm(document, request.operationName, variables, plan, form.resumable, dependent, this.ownerFiltered) : undefined;
    const resolvingViewer = dependent.size && !owned ? viewer : null;
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          form.text,
          request.operationName ?? null,
          form.variables,
          form.topicAfter,
          owned ? 'owner-filtered' : (resolvingViewer?.userId ?? null),
          resolvingViewer?.role ?? null,
        ]),
      )
      .digest('hex');
    // Identical subscriptions arriving together wait for the one topic being opened rather than open their own.
    let opening = this.opening.get(key);
    if (!this.topics.has(key) && !opening) {
      opening = this.openTopic(key, plan, variables, operation, resolvingViewer, form, owned).finally(() => this.opening.delete(key));
      this.opening.set(key, opening);
    }
    const topic = this.topics.get(key) ?? (await opening!);
    const resumable = owned ? owned.resumable : form.resumable;
    const resume = form.resume && resumable && { point: form.resume, resumable, plan, variables };
    // An ADMIN sees every owner's events; anyone else only their own.
    const ownerId = viewer?.userId.toLowerCase();
    const accepts = topic.ownerOf && viewer?.role !== 'ADMIN' ? (event: FormattedExecutionResult) => topic.ownerOf!(event) === ownerId : undefined;
    return { stream: this.listen(topic, viewer?.expiresAt, resume, accepts) };
  }

  /**
   * Waits for the operation's turn to start (`subscribesPerTurn` per turn of
   * the event loop, in arrival order). `start` waits for it unless the
   * transport already did, before its own work (graphql-ws: settling and
   * parsing the text), so that too is spread over turns.
   */
  async admit(operation: GatewayOperation): Promise<void> {
    if (this.admitted.has(operation)) return;
    await this.admission.turn();
    this.admitted.add(operation);
  }

  /** Ends every subscription with a retryable error and closes upstream connections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const topic of [...this.topics.values()]) this.endTopic(topic, retryableEnd('The gateway is shutting down; subscribe again.'));
    await this.pool.close();
  }

  /**
   * Opens a topic for the subscription `first` started: its upstream
   * subscription and entity fetches run as `resolvingViewer` (null: as an
   * anonymous caller), or, on an owner-filtered topic (`owned`), the upstream
   * subscription as the gateway's ADMIN principal and the entity fetches as an
   * anonymous caller.
   */
  private async openTopic(
    key: string,
    plan: PlannedSubscription,
    variables: Record<string, unknown>,
    first: GatewayOperation,
    resolvingViewer: GatewayOperation['request']['viewer'],
    form: SharedTopicForm,
    owned: OwnerFilteredForm | undefined,
  ): Promise<Topic> {
    const operation = topicOperation(first, resolvingViewer);
    const upstreamOperation = owned ? topicOperation(first, { ...GATEWAY_PRINCIPAL, expiresAt: Number.MAX_SAFE_INTEGER }) : operation;
    const headersNow = async () => {
      const headers = new Map<string, string>();
      await this.options.pipeline.subgraphRequest(upstreamOperation, { subgraph: plan.serviceName, headers });
      return extensionsFromHeaders(headers);
    };
    let extensions = await headersNow();
    // A field that follows the cursor convention resumes after the last event delivered when its connection is lost.
    const resumable = owned ? owned.resumable : form.resumable;
    let lastCursor: string | undefined;
    const upstream = this.pool.subscribe(plan.serviceName, {
      query: owned?.query ?? resumable?.query ?? plan.primaryOperation,
      operationName: plan.primaryOperationName,
      variables: resumable ? { ...resumable.variables(variables), [resumable.afterVariable]: form.topicAfter } : primaryVariables(plan, variables),
      // Read at every (re)subscribe, so a reconnect carries a fresh identity.
      extensions: () => extensions,
      resume: resumable && {
        afterVariable: resumable.afterVariable,
        cursorOf: (result) => {
          const cursor = resumable.cursorOf(result);
          lastCursor = cursor ?? lastCursor;
          return cursor;
        },
      },
    });
    const topic: Topic = {
      key,
      plan,
      variables,
      context: { operation },
      listeners: new Set(),
      upstream,
      extensions: () => extensions,
      resumable,
      get lastCursor() {
        return lastCursor;
      },
      ownerOf: owned?.ownerOf,
    };
    if (upstreamOperation.request.viewer) {
      topic.refresh = setInterval(() => {
        headersNow().then(
          (fresh) => (extensions = fresh),
          () => undefined,
        );
      }, this.identityRefreshMs);
      topic.refresh.unref();
    }
    this.topics.set(key, topic);
    void this.pump(topic);
    return topic;
  }

  /** Reads the upstream subscription, resolves each event once, and hands it to every listener. */
  private async pump(topic: Topic): Promise<void> {
    try {
      for await (const event of topic.upstream) {
        // On an owner-filtered topic, an event none of its subscribers here owns is not resolved at all.
        if (!someAccepts(topic.listeners, event)) continue;
        const result = await this.resolveEvent(topic, event);
        for (const listener of topic.listeners) if (!listener.accepts || listener.accepts(event)) listener.push(result, event);
      }
      this.endTopic(topic);
    } catch (error) {
      const message =
        error instanceof UpstreamSubscriptionError && error.errors?.length
          ? undefined
          : `The ${topic.plan.serviceName} subgraph ended the subscription; subscribe again (with \`after\` to resume).`;
      if (message) this.logger.warn({ err: error, serviceName: topic.plan.serviceName }, 'upstream subscription failed');
      // A subgraph that refused the operation (e.g. UNAUTHENTICATED, BAD_USER_INPUT) explains itself.
      const refused =
        error instanceof UpstreamSubscriptionError && error.errors?.length
          ? { errors: error.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions, path: e.path })) }
          : undefined;
      this.endTopic(topic, refused ?? retryableEnd(message!));
    }
  }

  /**
   * One event's result for a topic's subscribers. A subgraph that fails an
   * entity fetch is that event's error (its fields null, `SUBGRAPH_*` code),
   * and a fault resolving it is an `INTERNAL_SERVER_ERROR` for that event:
   * neither ends the topic. Both are logged with the topic and its request id.
   */
  private resolveEvent(topic: Topic, event: FormattedExecutionResult): Promise<ExecutionResult> {
    return this.resolveGuarded(topic, topic.plan, topic.variables, event, topic.listeners.size);
  }

  /** `resolveEvent`'s guard around one resolution, for a topic's event or a catching-up subscriber's (its own plan and variables). */
  private async resolveGuarded(
    topic: Topic,
    plan: PlannedSubscription,
    variables: Readonly<Record<string, unknown>>,
    event: FormattedExecutionResult,
    subscribers: number,
  ): Promise<ExecutionResult> {
    const where = { topic: topic.key.slice(0, 16), requestId: topic.context.operation.id, serviceName: plan.serviceName, subscribers };
    try {
      const { result, faults } = withGraphQLErrors(await this.resolver.resolve(plan, event, variables, topic.context));
      for (const fault of faults) this.logger.error({ ...where, err: fault }, 'subscription event fetch failed');
      if (result.errors?.length)
        this.logger.warn({ ...where, codes: [...new Set(result.errors.map((error) => error.extensions?.code))] }, 'subscription event resolved with errors');
      return result;
    } catch (error) {
      this.logger.error({ ...where, err: error }, 'subscription event could not be resolved');
      return {
        data: null,
        errors: [new GraphQLError('This event could not be resolved; the subscription goes on.', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } })],
      };
    }
  }

  private endTopic(topic: Topic, final?: ExecutionResult): void {
    if (this.topics.get(topic.key) === topic) this.topics.delete(topic.key);
    if (topic.refresh) clearInterval(topic.refresh);
    topic.upstream.cancel();
    for (const listener of [...topic.listeners]) listener.end(final);
    topic.listeners.clear();
  }

  /**
   * One subscriber's view of a topic: a bounded queue read as an async
   * iterator. One that resumes (`resume`) gets the events it missed from a
   * catch-up of its own first, then the topic's (`catchUp.ts`).
   */
  private listen(
    topic: Topic,
    expiresAt: number | undefined,
    resume?: { point: ResumePoint; resumable: ResumableOperation; plan: PlannedSubscription; variables: Record<string, unknown> },
    accepts?: (event: FormattedExecutionResult) => boolean,
  ): AsyncIterableIterator<ExecutionResult> {
    let cancelExpiry: (() => void) | undefined;
    let catchingUp: ReturnType<typeof catchUp> | undefined;
    const queue = new AsyncQueue<ExecutionResult>({
      capacity: this.maxQueued,
      whenFull: {
        end: () => ({ last: retryableEnd(`This subscriber fell more than ${this.maxQueued} results behind; subscribe again (with \`after\` to resume).`) }),
      },
      onStop: () => {
        cancelExpiry?.();
        catchingUp?.stop();
        topic.listeners.delete(listener);
        // The last subscriber gone: nothing needs the upstream subscription any more.
        if (!topic.listeners.size) this.endTopic(topic);
      },
    });
    const listener: Listener = {
      accepts,
      push: (result, event) => (catchingUp ? catchingUp.live(result, event) : void queue.push(result)),
      end: (final) => queue.end(final ? { last: final } : {}),
    };
    if (resume && topic.resumable) {
      catchingUp = catchUp({
        pool: this.pool,
        resolve: (event) => this.resolveGuarded(topic, resume.plan, resume.variables, event, 1),
        logger: this.logger,
        plan: resume.plan,
        variables: resume.variables,
        resumable: resume.resumable,
        resume: resume.point,
        extensions: topic.extensions,
        liveCursorOf: topic.resumable.cursorOf,
        joinedAt: topic.lastCursor,
        maxBuffered: this.maxQueued,
        deliver: (result) => void queue.push(result),
        end: listener.end,
        accepts,
      });
    }
    topic.listeners.add(listener);
    if (expiresAt !== undefined) {
      cancelExpiry = setAlarm(this.options.clock ?? systemClock, expiresAt, () => {
        listener.end({
          errors: [new GraphQLError('Your token has expired; log in again and subscribe again.', { extensions: { code: ErrorCode.UNAUTHENTICATED } })],
        });
      });
    }
    return queue;
  }
}

/** Whether any of `listeners` takes `event`. */
function someAccepts(listeners: ReadonlySet<Listener>, event: FormattedExecutionResult): boolean {
  for (const listener of listeners) if (!listener.accepts || listener.accepts(event)) return true;
  return false;
}

/**
 * The operation a shared topic runs as upstream: the first subscriber's id
 * and transport, with the viewer it resolves as (null for a viewer-independent
 * subscription, so its fetches are anonymous whoever subscribed first).
 */
function topicOperation(first: GatewayOperation, viewer: GatewayOperation['request']['viewer']): GatewayOperation {
  const request = GatewayPipeline.newRequest(first.request.transport, {}, undefined);
  request.requestId = first.id;
  request.viewer = viewer;
  const operation = GatewayPipeline.newOperation(request, first.operationName, first.id);
  operation.document = first.document;
  operation.operation = first.operation;
  return operation;
}
