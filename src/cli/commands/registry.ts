/**
 * The command table: canonical "<group> <verb>" names, the top-level shortcuts docker keeps (run, ps, images, rmi...),
 * and one lazy loader per command so `berth ps` loads only the modules `ps` needs.
 */
import type { CommandDefinition } from '../command.ts';

type Loader = () => Promise<CommandDefinition>;

interface Entry {
  readonly description: string;
  readonly load: Loader;
  /** How docker lists it under "Aliases:". */
  readonly aliases: readonly string[];
}

const entry = (description: string, aliases: string[], load: Loader): Entry => ({ description, aliases, load });

export const COMMANDS: Record<string, Entry> = {
  'container run': entry('Create and run a new container from an image', ['container run', 'run'], async () => (await import('./container/run.ts')).runCommand),
  'container create': entry('Create a new container', ['container create', 'create'], async () => (await import('./container/create.ts')).createCommand),
  'container start': entry('Start one or more stopped containers', ['container start', 'start'], async () => (await import('./container/start.ts')).startCommand),
  'container stop': entry('Stop one or more running containers', ['container stop', 'stop'], async () => (await import('./container/stop.ts')).stopCommand),
  'container kill': entry('Kill one or more running containers', ['container kill', 'kill'], async () => (await import('./container/kill.ts')).killCommand),
  'container restart': entry('Restart one or more containers', ['container restart', 'restart'], async () => (await import('./container/restart.ts')).restartCommand),
  'container rm': entry('Remove one or more containers', ['container rm', 'container remove', 'rm'], async () => (await import('./container/rm.ts')).rmCommand),
  'container ls': entry('List containers', ['container ls', 'container list', 'container ps', 'ps'], async () => (await import('./container/ls.ts')).lsCommand),
  'container logs': entry('Fetch the logs of a container', ['container logs', 'logs'], async () => (await import('./container/logs.ts')).logsCommand),
  'container exec': entry('Execute a command in a running container', ['container exec', 'exec'], async () => (await import('./container/exec.ts')).execCommand),
  'container attach': entry("Attach local standard input, output, and error streams to a running container", ['container attach', 'attach'], async () => (await import('./container/attach.ts')).attachCommand),
  'container inspect': entry('Display detailed information on one or more containers', ['container inspect'], async () => (await import('./container/inspect.ts')).containerInspectCommand),
  'container top': entry('Display the running processes of a container', ['container top', 'top'], async () => (await import('./container/top.ts')).topCommand),
  'container rename': entry('Rename a container', ['container rename', 'rename'], async () => (await import('./container/rename.ts')).renameCommand),
  'container pause': entry('Pause all processes within one or more containers', ['container pause', 'pause'], async () => (await import('./container/pause.ts')).pauseCommand),
  'container unpause': entry('Unpause all processes within one or more containers', ['container unpause', 'unpause'], async () => (await import('./container/pause.ts')).unpauseCommand),
  'container wait': entry('Block until one or more containers stop, then print their exit codes', ['container wait', 'wait'], async () => (await import('./container/wait.ts')).waitCommand),
  'image build': entry('Build an image from a Dockerfile', ['image build', 'build'], async () => (await import('./image/build.ts')).buildCommand),
  'image ls': entry('List images', ['image ls', 'image list', 'images'], async () => (await import('./image/ls.ts')).imageLsCommand),
  'image inspect': entry('Display detailed information on one or more images', ['image inspect'], async () => (await import('./image/inspect.ts')).imageInspectCommand),
  'image rm': entry('Remove one or more images', ['image rm', 'image remove', 'rmi'], async () => (await import('./image/rm.ts')).imageRmCommand),
  'image tag': entry('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', ['image tag', 'tag'], async () => (await import('./image/tag.ts')).imageTagCommand),
  'image history': entry('Show the history of an image', ['image history', 'history'], async () => (await import('./image/history.ts')).imageHistoryCommand),
  'image prune': entry('Remove unused images', ['image prune'], async () => (await import('./image/prune.ts')).imagePruneCommand),
  'image import': entry('Import the contents from a tarball to create a filesystem image', ['image import', 'import'], async () => (await import('./image/import.ts')).imageImportCommand),
  'image pull': entry('Download an image from a registry', ['image pull', 'pull'], async () => (await import('./image/pull.ts')).imagePullCommand),
  'image push': entry('Upload an image to a registry', ['image push', 'push'], async () => (await import('./image/push.ts')).imagePushCommand),
  'image save': entry('Save one or more images to a tar archive (streamed to STDOUT by default)', ['image save', 'save'], async () => (await import('./image/save.ts')).imageSaveCommand),
  'image load': entry('Load an image from a tar archive or STDIN', ['image load', 'load'], async () => (await import('./image/load.ts')).imageLoadCommand),
  compose: entry('Docker Compose', ['compose'], async () => (await import('./compose/compose.ts')).composeCommand),
  'stack deploy': entry('Deploy a new stack or update an existing stack', ['stack deploy', 'stack up'], async () => (await import('./stack/stack.ts')).stackDeployCommand),
  'stack ls': entry('List stacks', ['stack ls', 'stack list'], async () => (await import('./stack/stack.ts')).stackLsCommand),
  'stack ps': entry('List the tasks in the stack', ['stack ps'], async () => (await import('./stack/stack.ts')).stackPsCommand),
  'stack services': entry('List the services in the stack', ['stack services'], async () => (await import('./stack/stack.ts')).stackServicesCommand),
  'stack rm': entry('Remove one or more stacks', ['stack rm', 'stack remove', 'stack down'], async () => (await import('./stack/stack.ts')).stackRmCommand),
  'system login': entry('Authenticate to a registry', ['login'], async () => (await import('./system/login.ts')).loginCommand),
  'system logout': entry('Log out from a registry', ['logout'], async () => (await import('./system/logout.ts')).logoutCommand),
  'system inspect': entry('Return low-level information on Docker objects', ['inspect'], async () => (await import('./system/inspect.ts')).inspectCommand),
  'system version': entry('Show the Docker version information', ['version'], async () => (await import('./system/version.ts')).versionCommand),
  'system info': entry('Display system-wide information', ['system info', 'info'], async () => (await import('./system/info.ts')).infoCommand),
  'system events': entry('Get real time events from the server', ['system events', 'events'], async () => (await import('./system/events.ts')).eventsCommand),
  'system check': entry('Verify the store and repair what is safe to repair (Berth)', ['system check'], async () => (await import('./system/check.ts')).checkCommand),
  'system df': entry('Show docker disk usage', ['system df'], async () => (await import('./system/df.ts')).systemDfCommand),
  'system prune': entry('Remove unused data', ['system prune'], async () => (await import('./system/prune.ts')).systemPruneCommand),
  'container prune': entry('Remove all stopped containers', ['container prune'], async () => (await import('./container/prune.ts')).containerPruneCommand),
  'container port': entry('List port mappings or a specific mapping for the container', ['container port', 'port'], async () => (await import('./container/port.ts')).portCommand),
  'container diff': entry("Inspect changes to files or directories on a container's filesystem", ['container diff', 'diff'], async () => (await import('./container/diff.ts')).diffCommand),
  'container export': entry("Export a container's filesystem as a tar archive", ['container export', 'export'], async () => (await import('./container/export.ts')).exportCommand),
  'container cp': entry('Copy files/folders between a container and the local filesystem', ['container cp', 'cp'], async () => (await import('./container/cp.ts')).cpCommand),
  'container commit': entry("Create a new image from a container's changes", ['container commit', 'commit'], async () => (await import('./container/commit.ts')).commitCommand),
  'container stats': entry('Display a live stream of container(s) resource usage statistics', ['container stats', 'stats'], async () => (await import('./container/stats.ts')).statsCommand),
  'container update': entry('Update configuration of one or more containers', ['container update', 'update'], async () => (await import('./container/update.ts')).updateCommand),
  'network create': entry('Create a network', ['network create'], async () => (await import('./network/create.ts')).networkCreateCommand),
  'network ls': entry('List networks', ['network ls', 'network list'], async () => (await import('./network/ls.ts')).networkLsCommand),
  'network rm': entry('Remove one or more networks', ['network rm', 'network remove'], async () => (await import('./network/rm.ts')).networkRmCommand),
  'network inspect': entry('Display detailed information on one or more networks', ['network inspect'], async () => (await import('./network/inspect.ts')).networkInspectCommand),
  'network connect': entry('Connect a container to a network', ['network connect'], async () => (await import('./network/connect.ts')).networkConnectCommand),
  'network disconnect': entry('Disconnect a container from a network', ['network disconnect'], async () => (await import('./network/connect.ts')).networkDisconnectCommand),
  'network prune': entry('Remove all unused networks', ['network prune'], async () => (await import('./network/prune.ts')).networkPruneCommand),
  'builder prune': entry('Remove build cache', ['builder prune'], async () => (await import('./builder/prune.ts')).builderPruneCommand),
  'volume create': entry('Create a volume', ['volume create'], async () => (await import('./volume/create.ts')).volumeCreateCommand),
  'volume ls': entry('List volumes', ['volume ls', 'volume list'], async () => (await import('./volume/ls.ts')).volumeLsCommand),
  'volume rm': entry('Remove one or more volumes', ['volume rm', 'volume remove'], async () => (await import('./volume/rm.ts')).volumeRmCommand),
  'volume inspect': entry('Display detailed information on one or more volumes', ['volume inspect'], async () => (await import('./volume/inspect.ts')).volumeInspectCommand),
  'volume prune': entry('Remove unused local volumes', ['volume prune'], async () => (await import('./volume/prune.ts')).volumePruneCommand),
};

/** Top-level words and group verbs that name a canonical command. */
const SHORTCUTS: Record<string, string> = {
  run: 'container run', create: 'container create', start: 'container start', stop: 'container stop',
  kill: 'container kill', restart: 'container restart', rm: 'container rm', ps: 'container ls',
  logs: 'container logs', exec: 'container exec', attach: 'container attach', top: 'container top',
  rename: 'container rename', pause: 'container pause', unpause: 'container unpause', wait: 'container wait',
  build: 'image build', images: 'image ls', rmi: 'image rm', tag: 'image tag', history: 'image history', import: 'image import',
  pull: 'image pull', push: 'image push', save: 'image save', load: 'image load', login: 'system login', logout: 'system logout', inspect: 'system inspect', version: 'system version', info: 'system info', events: 'system events',
  compose: 'compose', port: 'container port', diff: 'container diff', export: 'container export', cp: 'container cp', commit: 'container commit', update: 'container update', stats: 'container stats',
};

const GROUP_VERB_ALIASES: Record<string, string> = { list: 'ls', ps: 'ls', remove: 'rm' };

export const GROUPS = ['builder', 'container', 'image', 'network', 'volume', 'system', 'stack'] as const;

export interface ResolvedCommand {
  readonly key: string;
  readonly entry: Entry;
  /** The words the user typed for the command ("ps", "container ls"). */
  readonly words: string[];
  readonly rest: string[];
}

export function resolveCommand(argv: readonly string[]): ResolvedCommand | undefined {
  const [first, second, ...more] = argv;
  if ((GROUPS as readonly string[]).includes(first) && second !== undefined) {
    const key = COMMANDS[`${first} ${second}`] ? `${first} ${second}` : `${first} ${GROUP_VERB_ALIASES[second] ?? second}`;
    if (COMMANDS[key]) return { key, entry: COMMANDS[key], words: [first, second], rest: more };
    return undefined;
  }
  const key = SHORTCUTS[first];
  if (key) return { key, entry: COMMANDS[key], words: [first], rest: argv.slice(1) };
  return undefined;
}
