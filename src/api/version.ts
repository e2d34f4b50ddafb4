/** The API versions Berth speaks. */
export const API_VERSION = '1.50';
export const MIN_API_VERSION = '1.24';
