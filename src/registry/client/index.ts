export { Authorizer, basicHeader, credentials, parseChallenges, type AuthConfig, type Challenge } from './auth.ts';
export { DEFAULT_CHUNK_SIZE, RegistryClient, endpointFor, isLoopbackHost, registryConnection, type BlobBody, type Endpoint, type FetchedManifest, type Op } from './registry-client.ts';
export { DEFAULT_CERTS_DIR, readCertsDir, type RegistryTls } from './certs-dir.ts';
