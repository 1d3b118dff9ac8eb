// The version of the model's behaviour that a share link records. Bumped whenever a change to src/model
// can change what a scenario's steps return or leave behind, so a link opened by a later build can say
// that this build's model differs from the one that made it. No kernel analogue.
export const MODEL_VERSION = '2026.11.30';
