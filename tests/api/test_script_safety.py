"""Diagram code cannot reach the server: refused at deployment, or stopped at run time."""

SCRIPT_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="t">
  <bpmn:process id="scripted" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="Compute">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def deploy_script(api, script, expect=201):
    return api.deploy_text({"scripted.bpmn": SCRIPT_PROCESS.format(script=script)},
                           expect=expect)


def test_a_script_calling_import_is_refused_at_deployment_naming_the_element(api):
    response = deploy_script(api, "os = __import__('os')\nos.system('id')", expect=400)
    [problem] = response.json["problems"]
    assert problem["file"] == "scripted.bpmn"
    assert problem["element_id"] == "compute"
    assert "__import__" in problem["reason"]
    assert api.as_("ana").get("/api/process-definitions").json == []


def test_import_statements_and_dunder_chains_are_refused(api):
    for script in ("import os", "x = ().__class__.__base__.__subclasses__()",
                   "x = open('/etc/passwd').read()", "x = '{0.__class__}'.format(1)"):
        response = deploy_script(api, script, expect=400)
        assert response.json["problems"][0]["element_id"] == "compute", script


def test_an_endless_script_stops_the_instance_with_an_error_and_the_server_is_fine(api):
    deploy_script(api, "n = 0\nwhile True:\n    n = n + 1")
    instance = api.as_("alice").start("scripted")
    assert instance["status"] == "error"
    assert instance["error"]["element_id"] == "compute"
    assert "exceeded" in instance["error"]["message"]
    assert api.client.get("/healthz").json["status"] == "ok"


def test_safe_scripts_compute_with_dates_and_decimals(api):
    deploy_script(api, "total = Decimal('19.90') * 3\n"
                       "next_call = (now() + timedelta(days=3)).date().isoformat()\n"
                       "label = f'{total:.2f} CNY'")
    instance = api.as_("alice").start("scripted")
    assert instance["status"] == "completed"
    assert instance["variables"]["total"] == "59.70"
    assert instance["variables"]["label"] == "59.70 CNY"


def test_a_script_leaving_unsavable_data_fails_its_step_and_the_instance_stays_usable(api):
    for script, what in (("keys = {'a': 1}.keys()", "dict_keys"), ("r = range(3)", "range"),
                         ("x = {'typename': 'set'}", "typename"), ("n = float('nan')", "nan")):
        deploy_script(api, script)
        instance = api.as_("alice").start("scripted")
        assert instance["status"] == "error", script
        assert "cannot be saved" in instance["error"]["message"] and what in instance[
            "error"]["message"], instance["error"]
        cancelled = api.as_("mia").post(f"/api/process-instances/{instance['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
