// The page's side of the tables a state reply leaves out: the host frames never change within a loaded
// case, so the worker sends them once and then marks them kept; they are the ones of the last reply
// that carried them (replies arrive in the order the worker sent them).

import type { StepState } from '../model/inspect/state';
import type { StateReply } from './session';

export class KeptTables {
  private frames: StepState['frames'] | null = null;

  /** The reply's state with what it left out put back. */
  fill(r: StateReply): StepState {
    if (!r.kept.includes('frames')) {
      this.frames = r.state.frames;
      return r.state;
    }
    if (!this.frames) throw new Error('a state reply left out host frames that were never sent');
    r.state.frames = this.frames;
    return r.state;
  }
}
