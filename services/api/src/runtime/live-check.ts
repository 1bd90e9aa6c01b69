/** One line of `remit doctor`: what was checked and what was found; `fix` when it failed. */
export interface LiveCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}
