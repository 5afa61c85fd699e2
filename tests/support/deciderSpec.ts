import type { DomainError, ErrorCode } from '../../platform/errors';
import { domainErrorOf } from './domainErrors';

/** What `when` answers: the events decided, checked against the expected ones or an error. */
export interface DecisionSpec<Event> {
  /** Expects exactly these events (none: `[]`). */
  then(expected: readonly Event[]): void;
  /** Expects a `DomainError` with `code`, and returns it for the test to check its field and message. */
  then(code: ErrorCode): DomainError;
  /** The events decided, for a test that checks only part of them (`toMatchObject`). */
  events(): Event[];
}

/** The state the past events built, and what a command does to it. */
export interface GivenSpec<Command, Event, State> {
  /** The state after the past events, as the command handlers and a rebuild compute it. */
  state: State;
  when(command: Command): DecisionSpec<Event>;
}

/**
 * Given/when/then for a decider, as every decider test reads:
 *
 *     const { given } = deciderSpec(decide, evolve, null);
 *     given(created).when(changePrice(2499)).then([priceChanged]);
 *     given().when(changePrice(2499)).then(ErrorCode.NOT_FOUND);
 *
 * `given` folds the past events with `evolve` from `initialState`; `when`
 * decides the command on that state; `then` compares what was decided.
 */
export function deciderSpec<Command, Event, State>(
  decide: (command: Command, state: State) => Event[],
  evolve: (state: State, event: Event) => State,
  initialState: State,
): { given(...history: Event[]): GivenSpec<Command, Event, State> } {
  return {
    given(...history) {
      const state = history.reduce(evolve, initialState);
      return {
        state,
        when(command) {
          const run = () => decide(command, state);
          return {
            then: ((expected: readonly Event[] | ErrorCode) => {
              if (typeof expected === 'string') return domainErrorOf(run, expected);
              expect(run()).toEqual(expected);
              return undefined;
            }) as DecisionSpec<Event>['then'],
            events: run,
          };
        },
      };
    },
  };
}
