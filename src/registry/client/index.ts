export { Authorizer, basicHeader, credentials, parseChallenges, type AuthConfig, type Challenge } from './auth.ts';
export { DEFAULT_CHUNK_SIZE, RegistryClient, endpointFor, isLoopbackHost, type BlobBody, type Endpoint, type FetchedManifest, type Op } from './registry-client.ts';
