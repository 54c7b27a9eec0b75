import { configFrom, dataSources, resources, synthAll } from "./helpers";

describe("AWS DNS stack", () => {
  const dns = synthAll(configFrom())["prod-dns"];

  test("looks up the configured public hosted zone", () => {
    expect(dataSources(dns, "aws_route53_zone")).toEqual([expect.objectContaining({ name: "example.com", private_zone: false })]);
  });

  test("points <domain> and *.<domain> at the ingress, *.kubermatic.<domain> at the nodeport-proxy", () => {
    const records = resources(dns, "aws_route53_record").map((r) => [r.name, r.type, r.ttl, r.records]);
    expect(records).toEqual(
      expect.arrayContaining([
        ["kkp.example.com", "CNAME", 300, ["${var.ingress_target}"]],
        ["*.kkp.example.com", "CNAME", 300, ["${var.ingress_target}"]],
        ["*.kubermatic.kkp.example.com", "CNAME", 300, ["${var.nodeport_proxy_target}"]],
      ]),
    );
    expect(records).toHaveLength(3);
  });

  test("takes the load balancer addresses as required, non-empty inputs supplied at dns-update time", () => {
    for (const name of ["ingress_target", "nodeport_proxy_target"]) {
      expect(dns.variable![name]).toMatchObject({ type: "string", nullable: false });
      expect(dns.variable![name].default).toBeUndefined();
      expect(dns.variable![name].validation[0].condition).toBe(`\${length(var.${name}) > 0}`);
    }
  });

  test("writes each environment's records under its own domain and state key", () => {
    const stacks = synthAll(configFrom((c) => (c.environments = [{ name: "ops" }, { name: "apps" }])));
    const names = (id: string) => resources(stacks[id], "aws_route53_record").map((r) => r.name).sort();
    expect(names("ops-dns")).toEqual(["*.kkp.example.com", "*.kubermatic.kkp.example.com", "kkp.example.com"]);
    expect(names("apps-dns")).toEqual(["*.apps.kkp.example.com", "*.kubermatic.apps.kkp.example.com", "apps.kkp.example.com"]);
    expect(stacks["apps-dns"].terraform.backend.s3.key).toBe("apps/dns.tfstate");
  });

  test("uses the configured TTL", () => {
    const dnsStack = synthAll(configFrom((c) => (c.dns.ttlSeconds = 60)))["prod-dns"];
    expect(resources(dnsStack, "aws_route53_record").every((r) => r.ttl === 60)).toBe(true);
  });
});
