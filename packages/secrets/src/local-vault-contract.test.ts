import { LocalVaultStore } from './local-vault.ts';
import { describeSecretStoreContract } from './secret-store-contract.ts';
import { withDataDir } from './testing.ts';

describeSecretStoreContract('LocalVaultStore', (cb) => withDataDir(async (dataDir) => cb(await LocalVaultStore.open({ dataDir }))));
