export type { StorageDriver, FileWriter, FileInfo } from './storage-driver.ts';
export { FilesystemDriver } from './fs-driver.ts';
export { layout } from './layout.ts';
export { createRegistryHandler, type Authenticator, type RegistryHandlerOptions, type RequestHandler } from './handler.ts';
export { HtpasswdAuthenticator, parseHtpasswd, verifyHtpasswdEntry } from './htpasswd.ts';
export { bcryptHash, bcryptVerify } from './bcrypt.ts';
export { garbageCollect, type GcResult } from './gc.ts';
export { startRegistryServer, loadOrCreateSecret, parseAddr, type RegistryServerOptions, type RunningRegistry } from './server.ts';
export { TokenAuthenticator, TokenService, requiredAccess, parseScopes, scopeString, signToken, verifyToken, type Access } from './token-auth.ts';
