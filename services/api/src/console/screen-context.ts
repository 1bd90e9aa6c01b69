import type { Context, Hono } from 'hono';
import type { AppDeps } from '../http/deps.ts';
import { ConsoleApi, type ApiRequest } from './api-call.ts';
import type { ConsoleDeps } from './console-deps.ts';
import type { ConsoleEnv } from './console-env.ts';

/** What every screen gets: the API as the signed-in user, and the deployment's settings. */
export interface ScreenContext {
  deps: AppDeps;
  console: ConsoleDeps;
  api(c: Context<ConsoleEnv>): ConsoleApi;
}

export function screenContext(deps: AppDeps, consoleDeps: ConsoleDeps, request: ApiRequest): ScreenContext {
  return { deps, console: consoleDeps, api: (c) => new ConsoleApi(request, c) };
}

/** A screen registers its routes on the console's router (paths relative to /console). */
export type MountScreen = (ui: Hono<ConsoleEnv>, ctx: ScreenContext) => void;
