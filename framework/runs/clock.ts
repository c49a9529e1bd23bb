/** Where the record store and the run loop read the time: the container binds it, tests swap it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
