/** The com.docker.compose.* labels and resource names docker compose v2 uses, so both tools see the same projects. */
export const L = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  hash: 'com.docker.compose.config-hash',
  image: 'com.docker.compose.image',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  envFile: 'com.docker.compose.project.environment_file',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
  dependsOn: 'com.docker.compose.depends_on',
  replace: 'com.docker.compose.replace',
} as const;

/** The compose version written into labels; docker compose v2 writes its own. */
export const COMPOSE_VERSION = '2.29.0';

export const containerName = (project: string, service: string, n: number): string => `${project}-${service}-${n}`;
export const builtImageName = (project: string, service: string): string => `${project}-${service}`;

export function projectFilter(project: string, extra: string[] = []): string {
  return JSON.stringify({ label: [`${L.project}=${project}`, ...extra] });
}
