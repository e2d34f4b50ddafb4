/** Compose: load a project from compose files and converge berthd to it through the Engine API client. */
export { loadProject, findComposeFiles, projectNameFrom, ComposeLoadError, type LoadOptions } from './load.ts';
export type { Project, Service } from './model.ts';
export type { ComposeContext, ContainerSummary, ContextPacker } from './context.ts';
export { up, replicasOf, selectServices, type UpOptions } from './converge.ts';
export { down, type DownOptions } from './down.ts';
export { formatConfig } from './config-output.ts';
export { containerName, containerNumber, projectContainers } from './project-state.ts';
export { ensureImages, buildService, pullImage, serviceImage } from './images.ts';
export { L as COMPOSE_LABELS, COMPOSE_VERSION } from './labels.ts';
export { dependencyOrder } from './references.ts';
export { createOneOff, type OneOffOptions } from './one-off.ts';
export { shellWords } from './shell-words.ts';
