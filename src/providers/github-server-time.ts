// GitHub's secondary rate limit on server time, kept to by every listing of its REST API (`repos`,
// `api --paginate`): "no more than 90 seconds of CPU time per 60 seconds of real time", estimated
// by response time
// (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits).
// A listing takes two thirds of it and leaves the rest to the account's other clients (gh, CI).
import type { ResponseTimeBudget } from '../http/response-time-budget.js';

export const RESPONSE_TIME_BUDGET: ResponseTimeBudget = { windowMs: 60_000, maxMs: 60_000 };
