import type { StoreConfig } from '../config/index.js';
import type { IncidentStore } from './store.js';

/** Store backends by config name; loaded only when named, so the SQLite path never loads the AWS SDK. */
export async function createStore(config: StoreConfig): Promise<IncidentStore> {
  switch (config.driver) {
    case 'sqlite':
      return (await import('./sqlite.js')).createSqliteStore(config.path);
    case 'dynamodb':
      return (await import('./dynamodb.js')).createDynamoStore(config);
  }
}
