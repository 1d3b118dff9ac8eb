// Web Worker entry: only exposes the engine API; all logic lives in api.ts and src/model.
import { expose } from 'comlink';
import { createSimApi } from './api';

expose(createSimApi());
