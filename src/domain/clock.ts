/** The one seam tests may replace: everything that asks "what time is it" asks the clock. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };
