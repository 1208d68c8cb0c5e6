// ATT&CK tactics and techniques read from Sigma tags: the shared reading lives in core/attack.ts.
export { ATTACK_TACTICS, attackFromTags } from '../../core/attack.ts';
