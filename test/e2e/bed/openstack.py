#!/usr/bin/python3
"""Talks to the bed's Keystone, Nova and Glance over plain HTTP (stdlib only).

  openstack.py catalog --compute URL --image URL --placement URL
      service project, service users (nova, glance, placement) with admin, catalog entries
  openstack.py wait-computes --count N --timeout S --discover "nova-manage --config-file F"
      wait until N nova-compute services are up with a hypervisor each, then map them
  openstack.py seed --bmc-port-base P --smtp-port P --computes N
      a healthy cloud: every compute un-forced (retried while Nova refuses), up and enabled;
      projects, users (some with emails), flavors, an image; every server of LAYOUT ACTIVE on
      its host (recreated when not), no other server; the aggregate AGGREGATE over every compute;
      writes clouds.yaml, freezer-dr.yaml and
      bed.json into the state dir

Environment: FDR_BED_DIR, FDR_BED_AUTH_URL, FDR_BED_ADMIN_PASSWORD, FDR_BED_SERVICE_PASSWORD.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

BED_DIR = os.environ.get("FDR_BED_DIR", "/var/tmp/freezer-dr-e2e")
AUTH_URL = os.environ.get("FDR_BED_AUTH_URL", "http://127.0.0.1:5000/v3")
ADMIN_PASSWORD = os.environ.get("FDR_BED_ADMIN_PASSWORD", "admin")
SERVICE_PASSWORD = os.environ.get("FDR_BED_SERVICE_PASSWORD", "service-secret")
USER_PASSWORD = "e2e-user-secret"
REGION = "RegionOne"
CLOUD_NAME = "freezer-dr-bed"
ADMINS = ["cloud-ops@bed.example"]

# Projects and their members: (user, email or None). Users without email exist on purpose.
PROJECTS = [
    ("e2e-alpha", [("alice", "alice@alpha.example"), ("bob", "bob@alpha.example"), ("carol", None)]),
    ("e2e-beta", [("dave", "dave@beta.example"), ("erin", None)]),
    ("e2e-gamma", [("frank", None)]),
]
# name, ram MiB, vcpus, disk GiB, extra specs
FLAVORS = [
    ("e2e.tiny", 64, 1, 1, {"evacuable": "true"}),
    ("e2e.small", 128, 1, 1, {}),
]
# The image carries evacuable=true (a property, for freezer-dr's imageProperty filter) and the
# tag "evacuable" (what fence_evacuate reads from Glance v2): fence_evacuate evacuates only tagged
# instances as soon as any flavor or image is tagged, so with the image tagged it takes every
# server, as freezer-dr's `mode: all` does.
IMAGE = ("e2e-tiny-image", {"os_ha": "yes", "evacuable": "true"})
IMAGE_TAG = "evacuable"
# A host aggregate over every compute, with metadata (no availability zone: Nova refuses to move
# hosts that run instances into another zone). The reserved-host scenario names it in
# evacuation.reservedHosts.byAggregate; `evacuable` is there for an aggregate-metadata filter.
AGGREGATE = ("e2e-rack-a", {"evacuable": "true", "freezer-dr:rack": "a"})
# project, server name, host index (1-based), flavor, metadata
LAYOUT = [
    ("e2e-alpha", "alpha-web-1", 1, "e2e.tiny", {"freezer-dr:priority": "10"}),
    ("e2e-beta", "beta-app-1", 1, "e2e.small", {"ha": "on"}),
    ("e2e-gamma", "gamma-svc-1", 1, "e2e.tiny", {}),
    ("e2e-alpha", "alpha-db-1", 2, "e2e.tiny", {}),
    ("e2e-beta", "beta-app-2", 2, "e2e.small", {}),
    ("e2e-alpha", "alpha-cache-1", 3, "e2e.tiny", {}),
]


def say(msg):
    print(f"[bed {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class HttpError(Exception):
    def __init__(self, status, body, url):
        super().__init__(f"HTTP {status} from {url}: {body[:300]}")
        self.status = status
        self.body = body


def http(method, url, token=None, body=None, headers=None, raw=None, timeout=30):
    h = {"Accept": "application/json"}
    if token:
        h["X-Auth-Token"] = token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if raw is not None:
        data = raw
        h["Content-Type"] = "application/octet-stream"
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            text = res.read().decode() or "null"
            return res.status, json.loads(text) if text.strip()[:1] in "[{n" else text, res.headers
    except urllib.error.HTTPError as e:
        raise HttpError(e.code, e.read().decode(errors="replace"), url) from None


class Cloud:
    def __init__(self, project="admin"):
        self.project = project
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}}},
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }}
        _, data, headers = http("POST", f"{AUTH_URL}/auth/tokens", body=body)
        self.token = headers["X-Subject-Token"]
        self.catalog = data["token"].get("catalog", [])

    def endpoint(self, kind):
        for svc in self.catalog:
            if svc["type"] == kind:
                for ep in svc["endpoints"]:
                    if ep["interface"] == "public":
                        return ep["url"].rstrip("/")
        raise RuntimeError(f"no {kind} endpoint in the catalog")

    def ks(self, method, path, body=None):
        return http(method, f"{AUTH_URL}{path}", self.token, body)[1]

    def nova(self, method, path, body=None, mv="2.74"):
        return http(method, f"{self.endpoint('compute')}{path}", self.token, body, {"OpenStack-API-Version": f"compute {mv}"})[1]


# ---------------------------------------------------------------------------------------- keystone
def find_one(cloud, path, key, name, extra=""):
    items = cloud.ks("GET", f"{path}?name={name}{extra}")[key]
    return items[0] if items else None


def ensure_project(cloud, name, description):
    p = find_one(cloud, "/projects", "projects", name, "&domain_id=default")
    if p:
        return p
    return cloud.ks("POST", "/projects", {"project": {"name": name, "domain_id": "default", "description": description, "enabled": True}})["project"]


def ensure_user(cloud, name, password, email):
    u = find_one(cloud, "/users", "users", name, "&domain_id=default")
    if not u:
        body = {"name": name, "domain_id": "default", "password": password, "enabled": True}
        if email:
            body["email"] = email
        return cloud.ks("POST", "/users", {"user": body})["user"]
    if email and u.get("email") != email:
        u = cloud.ks("PATCH", f"/users/{u['id']}", {"user": {"email": email}})["user"]
    return u


def role_id(cloud, name):
    r = find_one(cloud, "/roles", "roles", name)
    if not r:
        raise RuntimeError(f"role {name} missing (keystone-manage bootstrap creates admin, member, reader)")
    return r["id"]


def assign(cloud, project_id, user_id, rid):
    http("PUT", f"{AUTH_URL}/projects/{project_id}/users/{user_id}/roles/{rid}", cloud.token)


def cmd_catalog(args):
    cloud = Cloud()
    service = ensure_project(cloud, "service", "OpenStack services")
    admin_role = role_id(cloud, "admin")
    for user in ("nova", "glance", "placement"):
        u = ensure_user(cloud, user, SERVICE_PASSWORD, None)
        http("PATCH", f"{AUTH_URL}/users/{u['id']}", cloud.token, {"user": {"password": SERVICE_PASSWORD}})
        assign(cloud, service["id"], u["id"], admin_role)
    for kind, name, url in (("compute", "nova", args.compute), ("image", "glance", args.image), ("placement", "placement", args.placement)):
        svcs = cloud.ks("GET", f"/services?type={kind}")["services"]
        svc = svcs[0] if svcs else cloud.ks("POST", "/services", {"service": {"type": kind, "name": name, "enabled": True}})["service"]
        eps = cloud.ks("GET", f"/endpoints?service_id={svc['id']}")["endpoints"]
        for iface in ("public", "internal", "admin"):
            mine = [e for e in eps if e["interface"] == iface]
            if mine and mine[0]["url"] == url:
                continue
            for e in mine:
                cloud.ks("DELETE", f"/endpoints/{e['id']}")
            cloud.ks("POST", "/endpoints", {"endpoint": {"service_id": svc["id"], "interface": iface, "url": url, "region_id": REGION, "enabled": True}})
    say("service users and catalog ready")


# ---------------------------------------------------------------------------------------- computes
def compute_services(cloud):
    return cloud.nova("GET", "/os-services?binary=nova-compute", mv="2.53")["services"]


def wait_for(what, timeout, probe):
    deadline = time.time() + timeout
    while True:
        try:
            if probe():
                return
        except (HttpError, urllib.error.URLError, OSError, RuntimeError):
            pass
        if time.time() > deadline:
            sys.exit(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.5)


def cmd_wait_conductor(args):
    cloud = []

    def up():
        cloud[:] = cloud or [Cloud()]
        svcs = cloud[0].nova("GET", "/os-services?binary=nova-conductor", mv="2.53")["services"]
        return any(s["state"] == "up" for s in svcs)

    wait_for("nova-conductor", args.timeout, up)


def cmd_wait_computes(args):
    cloud = []
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())

    def services_up():
        # A forced-down compute that runs again still heartbeats but reads "down" until the
        # seed step un-forces it: count it by its fresh heartbeat.
        cloud[:] = cloud or [Cloud()]
        fresh = [s for s in compute_services(cloud[0]) if s["state"] == "up" or (s["forced_down"] and s["updated_at"] and s["updated_at"] >= since)]
        return len(fresh) >= args.count

    def hypervisors():
        return len(cloud[0].nova("GET", "/os-hypervisors", mv="2.53")["hypervisors"]) >= args.count

    wait_for(f"{args.count} nova-compute services up", args.timeout, services_up)
    # Map them now instead of waiting for the scheduler's periodic discovery.
    subprocess.run(args.discover.split() + ["cell_v2", "discover_hosts"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(f"{args.count} hypervisors", args.timeout, hypervisors)
    say(f"{args.count} computes up and mapped")


# ---------------------------------------------------------------------------------------- seed
def ensure_flavors(cloud):
    existing = {f["name"]: f for f in cloud.nova("GET", "/flavors/detail?is_public=None")["flavors"]}
    out = {}
    for name, ram, vcpus, disk, specs in FLAVORS:
        f = existing.get(name) or cloud.nova("POST", "/flavors", {"flavor": {"name": name, "ram": ram, "vcpus": vcpus, "disk": disk}})["flavor"]
        if specs:
            cloud.nova("POST", f"/flavors/{f['id']}/os-extra_specs", {"extra_specs": specs})
        out[name] = f["id"]
    return out


def ensure_image(cloud):
    glance = cloud.endpoint("image")
    name, props = IMAGE
    images = http("GET", f"{glance}/v2/images?name={name}", cloud.token)[1]["images"]
    active = [i for i in images if i["status"] == "active"]
    if active:
        img = active[0]
        patch = [{"op": "add", "path": f"/{k}", "value": v} for k, v in props.items() if img.get(k) != v]
        if patch:
            http("PATCH", f"{glance}/v2/images/{img['id']}", cloud.token, headers={"Content-Type": "application/openstack-images-v2.1-json-patch"}, raw=json.dumps(patch).encode())
        if IMAGE_TAG not in img.get("tags", []):
            http("PUT", f"{glance}/v2/images/{img['id']}/tags/{IMAGE_TAG}", cloud.token)
        return img["id"]
    for i in images:
        http("DELETE", f"{glance}/v2/images/{i['id']}", cloud.token)
    body = {"name": name, "disk_format": "raw", "container_format": "bare", "visibility": "public", "tags": [IMAGE_TAG], **props}
    img = http("POST", f"{glance}/v2/images", cloud.token, body)[1]
    http("PUT", f"{glance}/v2/images/{img['id']}/file", cloud.token, raw=b"freezer-dr e2e test bed image\n" * 64)
    return img["id"]


def ensure_aggregate(cloud, computes):
    """The aggregate with every compute and exactly its metadata (keys of ours that changed are reset)."""
    name, metadata = AGGREGATE
    found = [a for a in cloud.nova("GET", "/os-aggregates")["aggregates"] if a["name"] == name]
    agg = found[0] if found else cloud.nova("POST", "/os-aggregates", {"aggregate": {"name": name}})["aggregate"]
    for i in range(1, computes + 1):
        if f"compute-{i}" not in (agg.get("hosts") or []):
            agg = cloud.nova("POST", f"/os-aggregates/{agg['id']}/action", {"add_host": {"host": f"compute-{i}"}})["aggregate"]
    if any((agg.get("metadata") or {}).get(k) != v for k, v in metadata.items()):
        agg = cloud.nova("POST", f"/os-aggregates/{agg['id']}/action", {"set_metadata": {"metadata": metadata}})["aggregate"]
    return {"name": agg["name"], "hosts": sorted(agg.get("hosts") or []), "metadata": metadata}


def layout(computes):
    return [(p, n, f"compute-{(h - 1) % computes + 1}", fl, md) for p, n, h, fl, md in LAYOUT]


def all_servers(admin):
    return admin.nova("GET", "/servers/detail?all_tenants=1", mv="2.74")["servers"]


def wait_servers(admin, ok, what, timeout=120):
    deadline = time.time() + timeout
    while True:
        servers = all_servers(admin)
        if ok(servers):
            return servers
        if time.time() > deadline:
            brief = [(s["name"], s["status"], s["OS-EXT-SRV-ATTR:host"], s["OS-EXT-STS:task_state"]) for s in servers]
            raise RuntimeError(f"timed out waiting for {what}: {brief}")
        time.sleep(0.5)


def ensure_servers(admin, computes, flavors, image_id, projects):
    """Every server of the layout ACTIVE on its host; everything else deleted."""
    want = {(projects[p]["id"], n): (h, fl, md) for p, n, h, fl, md in layout(computes)}
    keep, delete = {}, []
    for s in all_servers(admin):
        key = (s["tenant_id"], s["name"])
        spec = want.get(key)
        fine = spec and key not in keep and s["status"] == "ACTIVE" and s["OS-EXT-STS:task_state"] is None and s["OS-EXT-SRV-ATTR:host"] == spec[0]
        if fine:
            keep[key] = s["id"]
        else:
            delete.append(s["id"])
    for sid in delete:
        try:
            admin.nova("DELETE", f"/servers/{sid}")
        except HttpError as e:
            if e.status != 404:
                raise
    if delete:
        wait_servers(admin, lambda ss: not any(s["id"] in delete for s in ss), f"{len(delete)} server(s) deleted")
    by_project = {}
    for (pid, name), (host, fl, md) in want.items():
        if (pid, name) in keep:
            continue
        pname = next(p for p, v in projects.items() if v["id"] == pid)
        cloud = by_project.get(pname) or Cloud(pname)
        by_project[pname] = cloud
        body = {"server": {"name": name, "imageRef": image_id, "flavorRef": flavors[fl], "networks": "none", "host": host, "metadata": md}}
        cloud.nova("POST", "/servers", body, mv="2.74")
    names = {(pid, n) for pid, n in want}

    def settled(ss):
        mine = [s for s in ss if (s["tenant_id"], s["name"]) in names]
        bad = [s for s in mine if s["status"] == "ERROR"]
        if bad:
            raise RuntimeError(f"server(s) went to ERROR: {[(s['name'], (s.get('fault') or {}).get('message')) for s in bad]}")
        return len(mine) == len(names) and all(s["status"] == "ACTIVE" and s["OS-EXT-SRV-ATTR:host"] == want[(s["tenant_id"], s["name"])][0] for s in mine)

    return wait_servers(admin, settled, "servers ACTIVE on their hosts")


def ensure_identity(admin):
    member = role_id(admin, "member")
    admin_role = role_id(admin, "admin")
    admin_user = find_one(admin, "/users", "users", "admin", "&domain_id=default")
    projects = {}
    for pname, users in PROJECTS:
        p = ensure_project(admin, pname, "freezer-dr e2e project")
        # The admin boots the project's servers pinned to a host (2.74, admin only).
        assign(admin, p["id"], admin_user["id"], admin_role)
        members = []
        for uname, email in users:
            u = ensure_user(admin, uname, USER_PASSWORD, email)
            assign(admin, p["id"], u["id"], member)
            members.append({"name": uname, "id": u["id"], "email": email})
        projects[pname] = {"id": p["id"], "members": members}
    return projects


def cmd_seed(args):
    admin = Cloud()
    heal_services(admin, args.timeout)
    projects = ensure_identity(admin)
    flavors = ensure_flavors(admin)
    image_id = ensure_image(admin)
    servers = ensure_servers(admin, args.computes, flavors, image_id, projects)
    aggregate = ensure_aggregate(admin, args.computes)
    write_files(args, admin, projects, flavors, image_id, servers, aggregate)
    say(f"seeded {len(projects)} projects, {len(flavors)} flavors, 1 image, {len(LAYOUT)} servers")


def write_files(args, admin, projects, flavors, image_id, servers, aggregate):
    clouds = f"""# Written by test/e2e/bed/openstack.py for the test bed in {BED_DIR}
clouds:
  {CLOUD_NAME}:
    auth:
      auth_url: {AUTH_URL}
      username: admin
      password: {ADMIN_PASSWORD}
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: {REGION}
    interface: public
    identity_api_version: 3
"""
    with open(os.path.join(BED_DIR, "clouds.yaml"), "w") as f:
        f.write(clouds)
    hosts = "\n".join(
        f'    compute-{i}: {{ driver: ipmi, address: "127.0.0.1:{args.bmc_port_base + i}", username: admin, password: "env:FDR_BED_BMC_PASSWORD" }}'
        for i in range(1, args.computes + 1)
    )
    config = f"""# Written by test/e2e/bed/openstack.py: freezer-dr watching the test bed in {BED_DIR}.
# Run: FDR_BED_BMC_PASSWORD=password npx freezer-dr start --config {BED_DIR}/freezer-dr.yaml
cloud:
  from: clouds-yaml
  name: {CLOUD_NAME}
  file: {BED_DIR}/clouds.yaml
monitor:
  intervalSeconds: 1
  # The computes share this machine and have no network of their own: scenarios 1-5 (and
  # bench:rto) simulate a dead host by killing its nova-compute, so they judge by Nova alone.
  # Scenario 6 adds a tcp-probe second signal (one loopback address per compute).
  confirmation: nova-only
  # report_interval is 5 s: a heartbeat older than this is a missed beat and more.
  staleAfterSeconds: 8
  graceSeconds: 0
  gates: {{ maxFailedHosts: 1, maxFailedPercent: 34, allStalePercent: 75 }}
fencing:
  powerTimeoutSeconds: 10
  pollIntervalSeconds: 0.5
  requestTimeoutSeconds: 2
  hosts:
{hosts}
evacuation:
  concurrency: 4
  instanceTimeoutSeconds: 120
  checkIntervalSeconds: 1
notification:
  admins: [{", ".join(ADMINS)}]
  channels:
    - driver: email
      from: freezer-dr@bed.example
      transport: {{ type: smtp, host: 127.0.0.1, port: {args.smtp_port}, security: none }}
store:
  driver: sqlite
  path: {BED_DIR}/freezer-dr/incidents.db
"""
    with open(os.path.join(BED_DIR, "freezer-dr.yaml"), "w") as f:
        f.write(config)
    by_id = {s["id"]: s for s in servers}
    bed = {
        "stateDir": BED_DIR,
        "authUrl": AUTH_URL,
        "regionName": REGION,
        "cloudName": CLOUD_NAME,
        "cloudsYaml": os.path.join(BED_DIR, "clouds.yaml"),
        "freezerDrConfig": os.path.join(BED_DIR, "freezer-dr.yaml"),
        "admin": {"username": "admin", "projectName": "admin", "userDomainName": "Default", "projectDomainName": "Default"},
        "admins": ADMINS,
        "computes": [{"host": f"compute-{i}", "bmc": {"host": "127.0.0.1", "port": args.bmc_port_base + i}} for i in range(1, args.computes + 1)],
        "projects": [{"name": p, **v} for p, v in projects.items()],
        "flavors": flavors,
        "imageId": image_id,
        "aggregates": [aggregate],
        "servers": [
            {"id": s["id"], "name": s["name"], "projectId": s["tenant_id"], "host": s["OS-EXT-SRV-ATTR:host"]}
            for s in sorted(by_id.values(), key=lambda s: s["name"])
        ],
    }
    with open(os.path.join(BED_DIR, "bed.json"), "w") as f:
        json.dump(bed, f, indent=2)


# ---------------------------------------------------------------------------------------- heal
def heal_services(admin, timeout):
    """Every compute un-forced (retried while Nova refuses), up, then enabled: FACTS' safe order."""
    deadline = time.time() + timeout
    while True:
        pending = []
        for s in compute_services(admin):
            if s["forced_down"]:
                try:
                    admin.nova("PUT", f"/os-services/{s['id']}", {"forced_down": False}, mv="2.53")
                except HttpError as e:
                    # 400 while `done` evacuations wait for the restarted compute's clean-up.
                    if e.status != 400:
                        raise
                    pending.append(f"{s['host']}: {e.body[:120]}")
                    continue
            if s["state"] != "up" or s["forced_down"]:
                pending.append(f"{s['host']} not up yet")
                continue
            if s["status"] == "disabled":
                admin.nova("PUT", f"/os-services/{s['id']}", {"status": "enabled"}, mv="2.53")
        if not pending:
            return
        if time.time() > deadline:
            sys.exit(f"computes not healthy after {timeout}s: {pending}")
        time.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("catalog")
    c.add_argument("--compute", required=True)
    c.add_argument("--image", required=True)
    c.add_argument("--placement", required=True)
    w = sub.add_parser("wait-computes")
    w.add_argument("--count", type=int, required=True)
    w.add_argument("--timeout", type=int, default=120)
    w.add_argument("--discover", required=True)
    wc = sub.add_parser("wait-conductor")
    wc.add_argument("--timeout", type=int, default=60)
    s = sub.add_parser("seed")
    s.add_argument("--bmc-port-base", type=int, required=True)
    s.add_argument("--smtp-port", type=int, required=True)
    s.add_argument("--computes", type=int, required=True)
    s.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()
    {"catalog": cmd_catalog, "wait-conductor": cmd_wait_conductor, "wait-computes": cmd_wait_computes, "seed": cmd_seed}[args.cmd](args)


if __name__ == "__main__":
    main()
