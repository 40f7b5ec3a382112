/** The signed-in credential: kept in sessionStorage only, so it ends with the tab and never reaches a cookie. */
const KEY = 'threadline.console.credential';

export function storedCredential(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeCredential(credential: string): void {
  sessionStorage.setItem(KEY, credential);
}

export function forgetCredential(): void {
  sessionStorage.removeItem(KEY);
}
