// Web Worker entry: only exposes the engine API, with a heartbeat the page's watchdog listens for; all
// logic lives in api.ts and src/model.
import { expose } from 'comlink';
import { createSimApi } from './api';
import { heartbeat } from './heartbeat';

expose(createSimApi(heartbeat((m) => self.postMessage(m))));
