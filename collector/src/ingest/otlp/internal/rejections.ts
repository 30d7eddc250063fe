/** How many rejection messages a decode result keeps; the count goes on. */
export const MAX_REJECTION_MESSAGES = 10;

/** Counts the spans or log records a decoder drops and keeps the first few reasons. */
export class Rejections {
  /** Records dropped. */
  count = 0;
  /** The first `MAX_REJECTION_MESSAGES` reasons, each naming the record's path. */
  readonly messages: string[] = [];

  /** Records one dropped record. */
  add(message: string): void {
    this.count++;
    if (this.messages.length < MAX_REJECTION_MESSAGES) this.messages.push(message);
  }
}
