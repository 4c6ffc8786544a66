"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Card } from "../ui/card";
import { errorMessage } from "../ui/error-state";
import { Field } from "../ui/field";
import { Select } from "../ui/input";
import { useToast } from "../ui/toast";
import { EXPOSURE_LABEL, ExposureCost } from "./exposure-cost";

const INHERIT = "";

/**
 * The agent's exposure (issue 13): how its granted tools reach the model (the apply file's
 * `agents[].exposure`), and what each choice costs its context.
 */
export function AgentExposure({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("agents.write");
  const context = useQuery(trpc.agents.context.queryOptions({ id: agentId }));
  const setExposure = useMutation(
    trpc.agents.setExposure.mutationOptions({
      onSuccess: async (r) => {
        toast.success(r.exposure ? `Exposure set to ${r.exposure}` : "Exposure inherited again");
        await queryClient.invalidateQueries({ queryKey: trpc.agents.context.pathKey() });
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  return (
    <Card title="Tool exposure" className="mb-6">
      <div className="space-y-4">
        <Field label="How its tools reach the model" className="max-w-md">
          <Select
            value={context.data?.exposure ?? INHERIT}
            disabled={!canWrite || !context.data || setExposure.isPending}
            onChange={(e) => {
              const value = e.target.value;
              setExposure.mutate({
                id: agentId,
                exposure: value === INHERIT ? null : (value as keyof typeof EXPOSURE_LABEL),
              });
            }}
            options={[
              { value: INHERIT, label: "Inherit (its portal's setting, else full)" },
              ...(["full", "search", "code"] as const).map((m) => ({ value: m, label: EXPOSURE_LABEL[m] })),
            ]}
          />
        </Field>
        <ExposureCost agentId={agentId} />
      </div>
    </Card>
  );
}
