import type { ConnectionType } from '@remit/core';
import type { ConnectionTypeModule } from '../connection-type.ts';
import { aws } from './aws.ts';
import { github } from './github.ts';
import { http } from './http.ts';

/** Every connection type, by name: a type in @remit/core without a module here fails the type-check. */
const modules: Record<ConnectionType, ConnectionTypeModule> = { http, github, aws };

export function connectionType(type: ConnectionType): ConnectionTypeModule {
  return modules[type];
}
