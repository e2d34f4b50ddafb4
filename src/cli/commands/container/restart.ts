import { stopLikeCommand } from './stop-like.ts';

export const restartCommand = stopLikeCommand('restart', 'Restart one or more containers');
