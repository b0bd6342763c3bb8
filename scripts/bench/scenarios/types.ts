// What a bench scenario is: a name, a kind (which sets its target against the ceiling), the role it
// signs in as, and prepare(), which signs in and returns the requests to drive. The harness does
// the rest (sampling responses for the ceiling, warm-up, measuring, memory, reporting).
import type { BenchRequest } from '../lib/drive';
import type { GenerateResult } from '../generate';
import type { Rng } from '../data/rng';
import type { RoleKey } from '../data/types';

export type ScenarioKind = 'api' | 'page' | 'write';

/** Kehu's throughput as a share of the ceiling server's, measured in the same run. */
export const TARGETS: Record<ScenarioKind, number> = { api: 0.3, page: 0.2, write: 0.05 };

export interface ScenarioContext {
  /** Kehu's base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  data: GenerateResult;
  /** The data set's reference time (generated times lie before it). */
  now: Date;
  rng: Rng;
  /** Signs in through POST /api/v1/auth/login; returns the Bearer token. */
  signInApi(role: RoleKey, index?: number): Promise<string>;
  /** Signs in through the sign-in page (GET /login for the CSRF token, POST /login); returns a Cookie header. */
  signInPage(role: RoleKey, index?: number): Promise<string>;
  /** GET a path with headers and parse the JSON answer (fails on a non-2xx status). */
  getJson<T = unknown>(path: string, headers: Record<string, string>): Promise<T>;
}

export interface PreparedScenario {
  /** Sent with every request. */
  headers: Record<string, string>;
  /** One request, or weighted variants picked at random per request. */
  requests: BenchRequest[];
  /**
   * Send Kehu the variants in order, each once (after the ones sampled before the run), instead of
   * at random: for writes valid only once (a deal moved at its current version). Provide more
   * variants than the run sends (rate × (warm-up + duration)).
   */
  sequential?: boolean;
  /**
   * Load driven at the same time as the measured requests, at its own offered rate, and reported
   * separately (e.g. readers at 1,000/s while the measured writes run at 200/s).
   */
  background?: { headers: Record<string, string>; requests: BenchRequest[]; rate: number; connections: number; label: string };
}

export interface Scenario {
  name: string;
  kind: ScenarioKind;
  /** One line for the report: what is requested, by whom. */
  summary: string;
  role: RoleKey | null;
  /** A fixed offered rate (requests/s in total) for this scenario; `--rate` overrides it. */
  rate?: number;
  /** Connections for this scenario (default: --connections). */
  connections?: number;
  /** An absolute latency target (a feature issue's "p95 under N ms"), reported next to the ceiling ratio. */
  p95TargetMs?: number;
  prepare(ctx: ScenarioContext): Promise<PreparedScenario>;
}
