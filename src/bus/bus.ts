// The bus moves channel messages and control events between instances (in-process, or Redis).
export type ControlEvent =
  | { type: 'revoke', user: string, at: number }
  | { type: 'disconnect', user: string }

export interface Bus {
  /** Delivers an already-serialized frame to every instance's local subscribers of `channel`, this one included. */
  publish (channel: string, frame: string): Promise<void>
  /** The one local sink that receives every delivery meant for this instance. */
  setSink (sink: (channel: string, frame: string) => void): void
  /** Local interest in a channel starts (true) or ends (false), so a shared bus can subscribe only to channels in use. */
  interest (channel: string, on: boolean): void
  /** Sends an instance-wide control event to every instance, this one included. */
  control (event: ControlEvent): Promise<void>
  onControl (handler: (event: ControlEvent) => void): void
  /** True when the shared backend (if any) currently answers. */
  healthy (): Promise<boolean>
  close (): Promise<void>
}

/** Single-instance bus: deliveries and control events stay in this process. */
export class MemoryBus implements Bus {
  #sink: (channel: string, frame: string) => void = () => {}
  readonly #control: Array<(event: ControlEvent) => void> = []

  async publish (channel: string, frame: string): Promise<void> { this.#sink(channel, frame) }
  setSink (sink: (channel: string, frame: string) => void): void { this.#sink = sink }
  interest (): void {}
  async control (event: ControlEvent): Promise<void> { for (const h of this.#control) h(event) }
  onControl (handler: (event: ControlEvent) => void): void { this.#control.push(handler) }
  async healthy (): Promise<boolean> { return true }
  async close (): Promise<void> {}
}
