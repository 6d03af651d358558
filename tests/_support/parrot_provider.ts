// A provider for a made-up API ("Parrot"), written the way a user would add
// one: this file alone, importing only the public module. Its API differs
// from every real one on purpose: its own auth header, path, body and
// answer, an error envelope with its own retry hint, n under another name.

import {
  type ApiAnswer,
  type ApiCall,
  type ApiResponse,
  type HttpApi,
  HttpProvider,
  type HttpProviderOptions,
} from "../../providers/http.ts";

const PARROT: HttpApi = {
  defaultBaseUrl: "https://api.parrot.example/v2",
  keyVariable: "PARROT_API_KEY",
  headers: (key) => (key === undefined ? {} : { "x-parrot-key": key }),
  maxTemperature: 1.5,
  defaultBatch: 4,
  batchLimit: 6,
  batched: true,
  reserved: ["model", "turns", "copies", "heat"],
  fields: ({ maxTokens, stop, params }) => ({
    ...params,
    ...(maxTokens === undefined ? {} : { limit: maxTokens }),
    ...(stop === undefined ? {} : { until: [stop].flat() }),
  }),
  path: (model) => `/parrots/${model}/squawk`,
  body: ({ model, temperature, n, chat, fields }: ApiCall) => ({
    ...fields,
    model,
    heat: temperature,
    copies: n,
    turns: [
      ...(chat.system === undefined ? [] : [{ who: "keeper", said: chat.system }]),
      ...chat.messages.map((m) => ({ who: m.role, said: m.content, calls: m.toolCalls })),
    ],
  }),
  read: async (response: ApiResponse): Promise<ApiAnswer> => {
    const body = await response.json() as ParrotAnswer | undefined;
    if (!Array.isArray(body?.outputs) || body.outputs.length === 0) {
      throw response.fail({ message: "no outputs", code: "silent_parrot" });
    }
    return {
      replies: body.outputs.map((o) => ({
        text: o.text ?? "",
        toolCalls: (o.pecks ?? []).map((p, k) => ({
          id: `peck_${k}`,
          name: p.at,
          arguments: JSON.stringify(p.with),
        })),
        ...(o.why === undefined ? {} : { finishReason: o.why }),
      })),
      tokens: { input: body.billing?.heard, output: body.billing?.said },
    };
  },
  refusesN: (error) => error.code === "one_parrot_only",
  errorDetails: (body) => {
    const fault = (body as { fault?: ParrotFault } | undefined)?.fault;
    if (fault === undefined) return undefined;
    return {
      message: fault.says,
      code: fault.reason,
      ...(fault.wait_seconds === undefined ? {} : { retryAfter: fault.wait_seconds * 1000 }),
    };
  },
  retryable: (error) => (error.code === "parrot_napping" ? true : undefined),
};

interface ParrotFault {
  says: string;
  reason: string;
  wait_seconds?: number;
}

interface ParrotAnswer {
  outputs: { text?: string; why?: string; pecks?: { at: string; with: unknown }[] }[];
  billing?: { heard?: number; said?: number };
}

/** A parrot behind the Parrot API. */
export class Parrot extends HttpProvider {
  constructor(name: string, temperature: number, options: HttpProviderOptions = {}) {
    super(name, temperature, options, PARROT);
  }
}
