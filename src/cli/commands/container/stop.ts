import { stopLikeCommand } from './stop-like.ts';

export const stopCommand = stopLikeCommand('stop', 'Stop one or more running containers');
