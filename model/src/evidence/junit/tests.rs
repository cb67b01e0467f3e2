//! Each runner's JUnit as written, positions of problems, and inputs that must never panic.

use super::*;
use crate::diagnostic::codes;

const PYTEST: &[u8] = include_bytes!("../../../../tests/fixtures/junit/pytest.xml");
const NEXTEST: &[u8] = include_bytes!("../../../../tests/fixtures/junit/nextest.xml");
const CTEST: &[u8] = include_bytes!("../../../../tests/fixtures/junit/ctest.xml");
const GTEST: &[u8] = include_bytes!("../../../../tests/fixtures/junit/gtest.xml");
const SUREFIRE: &[u8] = include_bytes!("../../../../tests/fixtures/junit/surefire.xml");
const ROBOT: &[u8] = include_bytes!("../../../../tests/fixtures/junit/robot.xml");
const MALFORMED: &[u8] = include_bytes!("../../../../tests/fixtures/junit/malformed.xml");
const NOT_JUNIT: &[u8] = include_bytes!("../../../../tests/fixtures/junit/not-junit.xml");

const FIXTURES: [(&str, &[u8]); 8] = [
    ("pytest.xml", PYTEST),
    ("nextest.xml", NEXTEST),
    ("ctest.xml", CTEST),
    ("gtest.xml", GTEST),
    ("surefire.xml", SUREFIRE),
    ("robot.xml", ROBOT),
    ("malformed.xml", MALFORMED),
    ("not-junit.xml", NOT_JUNIT),
];

fn path(name: &str) -> Arc<str> {
    Arc::from(format!("results/ci/{name}"))
}

fn parse(name: &str, bytes: &[u8]) -> ResultFile {
    match parse_junit(&path(name), bytes) {
        Ok(file) => file,
        Err(d) => panic!("{name} should parse: {d}"),
    }
}

fn parse_err(name: &str, bytes: &[u8]) -> Diagnostic {
    match parse_junit(&path(name), bytes) {
        Ok(file) => panic!("{name} should not parse, got {file:?}"),
        Err(d) => d,
    }
}

fn passed() -> Outcome {
    Outcome::Passed
}

fn failed(message: &str) -> Outcome {
    Outcome::Failed {
        message: message.to_owned(),
    }
}

fn skipped(message: &str) -> Outcome {
    Outcome::Skipped {
        message: message.to_owned(),
    }
}

/// (classname, name, suite, outcome, line) of every case.
fn summary(file: &ResultFile) -> Vec<(&str, &str, &str, Outcome, u32)> {
    file.cases
        .iter()
        .map(|c| {
            (
                c.classname.as_str(),
                c.name.as_str(),
                c.suite.as_str(),
                c.outcome.clone(),
                c.line,
            )
        })
        .collect()
}

fn run(name: Option<&str>, timestamp: Option<&str>, hostname: Option<&str>) -> RunInfo {
    RunInfo {
        name: name.map(str::to_owned),
        timestamp: timestamp.map(str::to_owned),
        hostname: hostname.map(str::to_owned),
    }
}

/// The one case of an inline document.
fn only_case(xml: &str) -> TestCase {
    let file = parse("inline.xml", xml.as_bytes());
    assert_eq!(file.cases.len(), 1, "{xml}");
    file.cases
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

fn outcome_of(xml: &str) -> Outcome {
    only_case(xml).outcome
}

#[test]
fn pytest_xunit2() {
    let file = parse("pytest.xml", PYTEST);
    assert_eq!(&*file.path, "results/ci/pytest.xml");
    assert_eq!(
        file.run,
        run(
            Some("pytest tests"),
            Some("2025-03-04T09:15:02.183421+01:00"),
            Some("ci-runner-07")
        )
    );
    assert_eq!(
        summary(&file),
        vec![
            (
                "tests.test_pump",
                "test_bolus_dose_within_limits",
                "pytest",
                passed(),
                1
            ),
            (
                "tests.test_pump",
                "test_occlusion_raises_alarm",
                "pytest",
                failed(
                    "AssertionError: occlusion alarm not raised within 2 s assert 'IDLE' == \
                     'ALARM' - ALARM + IDLE"
                ),
                1
            ),
            (
                "tests.test_pump",
                "test_rate_change_is_logged",
                "pytest",
                passed(),
                13
            ),
            (
                "tests.test_hw",
                "test_motor_current_on_rig",
                "pytest",
                skipped("needs the hardware rig (PUMP_RIG is unset)"),
                15
            ),
            (
                "tests.test_hw",
                "test_sensor_calibration",
                "pytest",
                failed(
                    "error: failed on setup with \"RuntimeError: pump simulator not reachable \
                     at 127.0.0.1:5555\""
                ),
                15
            ),
        ]
    );
    let times: Vec<Option<f64>> = file.cases.iter().map(|c| c.time).collect();
    assert_eq!(
        times,
        vec![
            Some(0.002),
            Some(0.011),
            Some(0.004),
            Some(0.0),
            Some(0.001)
        ]
    );
    assert_eq!(
        file.cases[1].full_name(),
        "tests.test_pump::test_occlusion_raises_alarm"
    );
}

#[test]
fn nextest_with_flaky_test_and_two_binaries() {
    let file = parse("nextest.xml", NEXTEST);
    assert_eq!(
        file.run,
        run(
            Some("nextest-run"),
            Some("2025-03-04T09:20:11.482+00:00"),
            None
        )
    );
    assert_eq!(
        summary(&file),
        vec![
            (
                "pump-core",
                "alarm::tests::occlusion_raises_alarm",
                "pump-core",
                // No message and no text: the failure's type.
                failed("test failure with exit code 101"),
                4
            ),
            (
                "pump-core",
                "alarm::tests::silence_expires_after_two_minutes",
                "pump-core",
                passed(),
                25
            ),
            (
                "pump-core",
                "dose::tests::bolus_within_limits",
                "pump-core",
                passed(),
                27
            ),
            // <flakyFailure> only: passed on a retry.
            (
                "pump-core",
                "pump::tests::rate_ramp_is_monotonic",
                "pump-core",
                passed(),
                29
            ),
            (
                "pump-core::integration",
                "infusion_end_to_end",
                "pump-core::integration",
                passed(),
                51
            ),
            (
                "pump-core::integration",
                "alarm_log_survives_restart",
                "pump-core::integration",
                passed(),
                53
            ),
        ]
    );
    assert_eq!(file.cases[3].time, Some(0.231));
}

#[test]
fn ctest_output_junit() {
    let file = parse("ctest.xml", CTEST);
    assert_eq!(
        file.run,
        run(
            Some("Linux-c++"),
            Some("2025-03-04T09:31:47"),
            Some("ci-runner-07")
        )
    );
    assert_eq!(
        summary(&file),
        vec![
            (
                "pump_dose_test",
                "pump_dose_test",
                "Linux-c++",
                passed(),
                11
            ),
            (
                "pump_alarm_test",
                "pump_alarm_test",
                "Linux-c++",
                failed("Failed"),
                16
            ),
            (
                "pump_log_rotation",
                "pump_log_rotation",
                "Linux-c++",
                passed(),
                28
            ),
            (
                "pump_rig_motor_current",
                "pump_rig_motor_current",
                "Linux-c++",
                skipped("SKIP_RETURN_CODE=77"),
                32
            ),
            // status="disabled" and no <skipped> child.
            (
                "pump_sensor_calibration",
                "pump_sensor_calibration",
                "Linux-c++",
                skipped("disabled"),
                37
            ),
        ]
    );
    assert_eq!(file.cases[1].time, Some(2.50164));
    assert_eq!(file.cases[4].time, Some(0.0));
}

#[test]
fn googletest_xml() {
    let file = parse("gtest.xml", GTEST);
    assert_eq!(
        file.run,
        run(Some("AllTests"), Some("2025-03-04T09:33:12.418"), None)
    );
    assert_eq!(
        summary(&file),
        vec![
            ("PumpTest", "ComputesBolusDose", "PumpTest", passed(), 4),
            (
                "PumpTest",
                "RejectsRateAboveLimit",
                "PumpTest",
                failed(
                    "test/pump_test.cc:42 Expected equality of these values: pump.Rate() \
                     Which is: 12 kMaxRate Which is: 10 rate <= limit must hold"
                ),
                5
            ),
            (
                "PumpTest",
                "DISABLED_CalibratesFlowSensor",
                "PumpTest",
                skipped("not run"),
                14
            ),
            (
                "PumpTest",
                "MotorCurrentOnRig",
                "PumpTest",
                skipped("test/pump_test.cc:62 requires the hardware rig"),
                15
            ),
            ("AlarmTest", "SilenceExpires", "AlarmTest", passed(), 21),
        ]
    );
}

#[test]
fn surefire_junit5() {
    let file = parse("surefire.xml", SUREFIRE);
    assert_eq!(
        file.run,
        run(Some("com.example.pump.DoseCalculatorTest"), None, None)
    );
    let class = "com.example.pump.DoseCalculatorTest";
    assert_eq!(
        summary(&file),
        vec![
            (class, "computesBolusDose()", class, passed(), 12),
            (class, "[1] 5, 10", class, passed(), 13),
            // <failure> wins over the <rerunFailure> that follows it.
            (
                class,
                "[2] 6, 12",
                class,
                failed("expected: <5> but was: <6>"),
                14
            ),
            (class, "roundsToPumpResolution()", class, passed(), 29),
            (
                class,
                "usesCalibratedSensorFactor()",
                class,
                skipped("disabled until the flow sensor calibration lands (PUMP-212)"),
                33
            ),
            // <flakyFailure> only: passed on the rerun.
            (class, "acceptsDoseAfterWarmUp()", class, passed(), 36),
        ]
    );
    assert_eq!(file.cases[4].time, Some(0.0));
}

#[test]
fn robot_framework_xunit_with_nested_suites() {
    let file = parse("robot.xml", ROBOT);
    assert_eq!(
        file.run,
        run(
            Some("Pump Acceptance"),
            Some("2025-03-04T09:40:05.118000"),
            None
        )
    );
    assert_eq!(
        summary(&file),
        vec![
            (
                "Pump Acceptance.Alarms",
                "Occlusion Raises Alarm",
                "Alarms",
                failed("Alarm 'OCCLUSION' was not raised within 2 seconds"),
                4
            ),
            (
                "Pump Acceptance.Alarms",
                "Low Battery Warns",
                "Alarms",
                passed(),
                7
            ),
            (
                "Pump Acceptance.Alarms",
                "Alarm Log Is Exported",
                "Alarms",
                skipped("Export needs the USB rig."),
                9
            ),
            (
                "Pump Acceptance.Dosing",
                "Bolus Within Limits",
                "Dosing",
                passed(),
                17
            ),
            (
                "Pump Acceptance.Dosing",
                "Rate & Volume Are Logged",
                "Dosing",
                passed(),
                19
            ),
        ]
    );
}

#[test]
fn malformed_file_is_reported_at_the_mismatched_tag() {
    let d = parse_err("malformed.xml", MALFORMED);
    assert_eq!(d.code, codes::RESULTS_MALFORMED);
    assert!(d.is_error());
    assert_eq!(&*d.span.file, "results/ci/malformed.xml");
    assert_eq!((d.span.line, d.span.column), (5, 5), "{d}");
    assert_eq!(
        d.message,
        "results/ci/malformed.xml is not JUnit XML: expected </testcase>, found </testsuite>"
    );
    assert!(
        d.hint
            .as_deref()
            .is_some_and(|h| h.contains("tracebook results import")),
        "{d:?}"
    );
}

#[test]
fn another_root_element_is_named() {
    let d = parse_err("not-junit.xml", NOT_JUNIT);
    assert_eq!(d.code, codes::RESULTS_MALFORMED);
    assert_eq!((d.span.line, d.span.column), (3, 1), "{d}");
    assert!(d.message.contains("<coverage>"), "{}", d.message);
    assert!(d.hint.is_some());
}

#[test]
fn empty_input_is_an_error() {
    for input in ["", "   \n\t\n"] {
        let d = parse_err("empty.xml", input.as_bytes());
        assert_eq!(d.code, codes::RESULTS_MALFORMED);
        assert_eq!((d.span.line, d.span.column), (1, 1));
        assert!(d.message.contains("is empty"), "{}", d.message);
        assert!(d.hint.is_some());
    }
    // A declaration and a comment but no element.
    let d = parse_err(
        "decl.xml",
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- nothing ran -->\n",
    );
    assert_eq!((d.span.line, d.span.column), (3, 1), "{d}");
    assert!(d.message.contains("no <testsuites>"), "{}", d.message);
}

#[test]
fn testcase_without_name_is_an_error_at_its_line() {
    let xml = "<testsuites>\n  <testsuite name=\"s\">\n    <testcase classname=\"c\" time=\"1\"/>\n  </testsuite>\n</testsuites>\n";
    let d = parse_err("noname.xml", xml.as_bytes());
    assert_eq!(d.code, codes::RESULTS_MALFORMED);
    assert_eq!((d.span.line, d.span.column), (3, 5), "{d}");
    assert!(d.message.contains("no `name`"), "{}", d.message);

    let xml = "<testsuite name=\"s\">\n<testcase name=\"  \"></testcase>\n</testsuite>";
    let d = parse_err("emptyname.xml", xml.as_bytes());
    assert_eq!((d.span.line, d.span.column), (2, 1), "{d}");
    assert!(d.message.contains("empty `name`"), "{}", d.message);
}

#[test]
fn every_truncation_errors_or_parses_without_panicking() {
    for (name, bytes) in FIXTURES {
        // The end of the root element: any shorter prefix is a truncated file.
        let complete = bytes.iter().rposition(|&b| b == b'>').map_or(0, |i| i + 1);
        let well_formed = parse_junit(&path(name), bytes).is_ok();
        for len in 0..=bytes.len() {
            let prefix = &bytes[..len];
            let result = parse_junit(&path(name), prefix);
            if len < complete {
                let d = result.expect_err(&format!("{name} cut at {len} should not parse"));
                assert_eq!(d.code, codes::RESULTS_MALFORMED);
                assert!(d.span.line >= 1 && d.span.column >= 1);
                // The position is inside the prefix (or just after it).
                let lines = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
                assert!(
                    d.span.line as usize <= lines,
                    "{name} cut at {len}: {d} beyond {lines} lines"
                );
            } else {
                assert_eq!(result.is_ok(), well_formed, "{name} cut at {len}");
            }
        }
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let inserts: [&[u8]; 6] = [b"<", b"&", b"\"", b"]]>", b"</x>", b"\xC3"];
    for (name, bytes) in FIXTURES {
        for at in (0..bytes.len()).step_by(3) {
            for insert in inserts {
                let mut mutated = bytes[..at].to_vec();
                mutated.extend_from_slice(insert);
                mutated.extend_from_slice(&bytes[at..]);
                let _ = parse_junit(&path(name), &mutated);
            }
            let mut deleted = bytes.to_vec();
            deleted.remove(at);
            let _ = parse_junit(&path(name), &deleted);
        }
    }
}

#[test]
fn long_messages_are_cut_at_500_characters_on_a_char_boundary() {
    // 2-byte and 3-byte characters: a byte cut would split one.
    let long: String = "é€".repeat(400);
    let xml = format!(
        "<testsuite name=\"s\"><testcase name=\"t\"><failure message=\"{long}\"/></testcase></testsuite>"
    );
    let Outcome::Failed { message } = outcome_of(&xml) else {
        panic!("expected a failure");
    };
    assert_eq!(message.chars().count(), 500);
    assert!(message.ends_with('…'));
    let kept: String = long.chars().take(499).collect();
    assert_eq!(message, format!("{kept}…"));

    // An <error>'s prefix counts.
    let xml = format!(
        "<testsuite name=\"s\"><testcase name=\"t\"><error message=\"{long}\"/></testcase></testsuite>"
    );
    let Outcome::Failed { message } = outcome_of(&xml) else {
        panic!("expected a failure");
    };
    assert_eq!(message.chars().count(), 500);
    assert!(message.starts_with("error: é€"));
    assert!(message.ends_with('…'));

    // Exactly 500 characters: kept whole.
    let exact: String = "ü".repeat(500);
    let xml = format!(
        "<testsuite name=\"s\"><testcase name=\"t\"><skipped message=\"{exact}\"/></testcase></testsuite>"
    );
    assert_eq!(outcome_of(&xml), Outcome::Skipped { message: exact });
}

#[test]
fn entities_are_unescaped_in_attributes_and_text() {
    let case = only_case(
        "<testsuite name=\"A &amp; B\"><testcase classname=\"x&lt;y&gt;\" name=\"it&apos;s &quot;q&quot; &#x41;&#66;\">\
         <failure message=\"a &lt; b &amp;&amp; c&#x0A;d\"/></testcase></testsuite>",
    );
    assert_eq!(case.suite, "A & B");
    assert_eq!(case.classname, "x<y>");
    assert_eq!(case.name, "it's \"q\" AB");
    assert_eq!(case.outcome, failed("a < b && c d"));

    // Text: entities between words keep the spaces around them.
    let outcome = outcome_of(
        "<testsuite name=\"s\"><testcase name=\"t\"><failure>\n\n  expected: &lt;5&gt; but was: &lt;6&gt; &#x263A; &nbsp;\nat Foo.java:3\n</failure></testcase></testsuite>",
    );
    assert_eq!(outcome, failed("expected: <5> but was: <6> ☺ &nbsp;"));
}

#[test]
fn failure_message_falls_back_to_text_then_type() {
    let doc = |inner: &str| {
        format!("<testsuite name=\"s\"><testcase name=\"t\">{inner}</testcase></testsuite>")
    };
    let cases = [
        (
            "<failure message=\"  \" type=\"AssertionError\"><![CDATA[\n\n   first line\nsecond]]></failure>",
            failed("first line"),
        ),
        (
            "<failure type=\"AssertionError\">\n  </failure>",
            failed("AssertionError"),
        ),
        ("<failure/>", failed("failed")),
        ("<error/>", failed("error: failed")),
        (
            "<error type=\"java.lang.NullPointerException\"/>",
            failed("error: java.lang.NullPointerException"),
        ),
        (
            "<error message=\"boom\nbang\">trace</error>",
            failed("error: boom bang"),
        ),
        ("<skipped/>", skipped("")),
        (
            "<skipped>  reason on\n two lines</skipped>",
            skipped("reason on"),
        ),
        (
            "<skipped message=\"why\">other text</skipped>",
            skipped("why"),
        ),
    ];
    for (inner, expected) in cases {
        assert_eq!(outcome_of(&doc(inner)), expected, "{inner}");
    }
}

#[test]
fn outcome_precedence_and_runner_statuses() {
    let doc = |attributes: &str, inner: &str| {
        format!(
            "<testsuite name=\"s\"><testcase name=\"t\" {attributes}>{inner}</testcase></testsuite>"
        )
    };
    let cases = [
        // Failed wins over skipped, in either order; the first failure gives the message.
        (
            "",
            "<skipped message=\"s\"/><failure message=\"f1\"/><error message=\"e\"/>",
            failed("f1"),
        ),
        ("", "<error message=\"e\"/><skipped/>", failed("error: e")),
        // Retries that ended in a pass.
        (
            "",
            "<flakyFailure message=\"x\"/><flakyError message=\"y\"/>",
            passed(),
        ),
        (
            "",
            "<rerunFailure message=\"x\" type=\"T\"><stackTrace>t</stackTrace></rerunFailure>",
            passed(),
        ),
        ("", "<rerunError message=\"x\"/>", passed()),
        ("", "<rerunFailure/><failure message=\"f\"/>", failed("f")),
        // GoogleTest.
        (
            "status=\"notrun\" result=\"suppressed\"",
            "",
            skipped("not run"),
        ),
        (
            "status=\"run\" result=\"suppressed\"",
            "",
            skipped("not run"),
        ),
        ("status=\"run\" result=\"completed\"", "", passed()),
        (
            "status=\"run\" result=\"skipped\"",
            "<skipped message=\"rig\"/>",
            skipped("rig"),
        ),
        ("status=\"run\" result=\"skipped\"", "", skipped("")),
        // CTest.
        ("status=\"notrun\"", "", skipped("not run")),
        ("status=\"disabled\"", "", skipped("disabled")),
        (
            "status=\"notrun\"",
            "<skipped message=\"Unable to find executable\"/>",
            skipped("Unable to find executable"),
        ),
        (
            "status=\"fail\"",
            "<failure message=\"Failed\"/>",
            failed("Failed"),
        ),
        ("status=\"run\"", "<system-out>ok</system-out>", passed()),
        // <failure> nested deeper than a direct child is not the case's.
        (
            "",
            "<flakyFailure><failure message=\"inner\"/></flakyFailure>",
            passed(),
        ),
    ];
    for (attributes, inner, expected) in cases {
        assert_eq!(
            outcome_of(&doc(attributes, inner)),
            expected,
            "{attributes} {inner}"
        );
    }
}

#[test]
fn suites_run_info_and_times() {
    let xml = "<?xml version=\"1.0\"?>\n\
        <!-- a comment -->\n\
        <testsuites>\n\
          <testsuite name=\"outer\">\n\
            <testsuite name=\"inner\" timestamp=\"2025-01-01T00:00:00\" hostname=\"h1\">\n\
              <testcase name=\"a\" time=\"abc\"/>\n\
            </testsuite>\n\
            <testcase name=\"b\" time=\" 1.5 \"/>\n\
            <testsuite hostname=\"h2\" timestamp=\"later\">\n\
              <testcase name=\"c\" time=\"inf\"/>\n\
            </testsuite>\n\
          </testsuite>\n\
          <testcase name=\"d\" time=\"NaN\"/>\n\
        </testsuites>\n";
    let file = parse("nested.xml", xml.as_bytes());
    assert_eq!(file.run, run(None, Some("2025-01-01T00:00:00"), Some("h1")));
    let rows: Vec<(&str, &str, Option<f64>, u32)> = file
        .cases
        .iter()
        .map(|c| (c.name.as_str(), c.suite.as_str(), c.time, c.line))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("a", "inner", None, 6),
            ("b", "outer", Some(1.5), 8),
            ("c", "", None, 10),
            ("d", "", None, 13),
        ]
    );
    assert!(file.cases.iter().all(|c| c.classname.is_empty()));
    assert_eq!(file.cases[0].full_name(), "a");
}

#[test]
fn root_timestamp_wins_and_empty_values_are_absent() {
    let xml = "<testsuites name=\"\" timestamp=\"root-time\"><testsuite name=\"s\" timestamp=\"suite-time\" hostname=\"\"><testcase name=\"t\"/></testsuite><testsuite name=\"u\" hostname=\"h\"/></testsuites>";
    let file = parse("root.xml", xml.as_bytes());
    assert_eq!(file.run, run(None, Some("root-time"), Some("h")));
}

#[test]
fn bom_and_crlf_keep_lines_and_columns() {
    let xml = "\u{FEFF}<?xml version=\"1.0\"?>\r\n<testsuite name=\"s\">\r\n  <testcase name=\"a\">\r\n    <failure>line one\r\nline two</failure>\r\n  </testcase>\r\n  <testcase name=\"b\"/>\r\n</testsuite>\r\n";
    let file = parse("crlf.xml", xml.as_bytes());
    let lines: Vec<u32> = file.cases.iter().map(|c| c.line).collect();
    assert_eq!(lines, vec![3, 7]);
    assert_eq!(file.cases[0].outcome, failed("line one"));

    let broken = "\u{FEFF}<testsuite name=\"s\">\r\n  <testcase name=\"a\">\r\n  </testsuite>\r\n";
    let d = parse_err("crlf-broken.xml", broken.as_bytes());
    assert_eq!((d.span.line, d.span.column), (3, 3), "{d}");
}

#[test]
fn columns_count_characters() {
    let xml = "<testsuite name=\"é€😀\"><testcase name=\"ü\"></testsuite>";
    let d = parse_err("chars.xml", xml.as_bytes());
    // `<testsuite name="é€😀">` is 22 characters, `<testcase name="ü">` 19.
    assert_eq!((d.span.line, d.span.column), (1, 42), "{d}");
    assert!(
        d.message
            .ends_with("expected </testcase>, found </testsuite>")
    );
}

#[test]
fn truncated_file_names_the_open_element() {
    let xml = "<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"a\"/>\n";
    let d = parse_err("cut.xml", xml.as_bytes());
    assert_eq!((d.span.line, d.span.column), (4, 1), "{d}");
    assert!(
        d.message.contains("ends before </testsuite>") && d.message.contains("line 2"),
        "{}",
        d.message
    );
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("truncated")));

    // Cut inside a tag: quick-xml's own error, at the `<`.
    let xml = "<testsuites>\n<testsuite name=\"s\">\n  <testcase name=\"a";
    let d = parse_err("cut-tag.xml", xml.as_bytes());
    assert_eq!((d.span.line, d.span.column), (3, 3), "{d}");
    assert!(d.message.contains("attribute value"), "{}", d.message);
}

#[test]
fn invalid_utf8_is_reported_where_it_is() {
    let mut bytes = b"<testsuite name=\"s\">\n  <testcase name=\"caf".to_vec();
    bytes.extend_from_slice(b"\xE9\"/>\n</testsuite>\n");
    let d = parse_err("latin1.xml", &bytes);
    assert_eq!((d.span.line, d.span.column), (2, 22), "{d}");
    assert!(d.message.contains("0xE9"), "{}", d.message);

    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("<testsuite/>".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let d = parse_err("utf16.xml", &utf16);
    assert!(d.message.contains("UTF-16"), "{}", d.message);

    // Cut inside a character.
    let cut = "<testsuite name=\"é".as_bytes();
    let d = parse_err("cut-char.xml", &cut[..cut.len() - 1]);
    assert_eq!((d.span.line, d.span.column), (1, 18), "{d}");
    assert!(d.message.contains("middle of a character"), "{}", d.message);
}

#[test]
fn other_well_formedness_problems() {
    let cases: [(&str, (u32, u32), &str); 8] = [
        // A second root element.
        (
            "<testsuite name=\"a\"/>\n<testsuite name=\"b\"/>",
            (2, 1),
            "after the end of the root",
        ),
        // Text outside the root.
        ("junk\n<testsuite/>", (1, 1), "before the root"),
        (
            "<testsuite/>\ntrailing",
            (2, 1),
            "after the end of the root",
        ),
        // A closing tag with nothing open.
        (
            "<testsuite name=\"a\"></testsuite></testsuite>",
            (1, 33),
            "</testsuite> closes an element that is not open",
        ),
        // A repeated attribute, reported where the repetition is.
        (
            "<testsuite name=\"a\">\n<testcase name=\"x\" name=\"y\"/></testsuite>",
            (2, 20),
            "repeated",
        ),
        // An unknown entity in an attribute.
        (
            "<testsuite name=\"a\">\n<testcase name=\"x&nbsp;y\"/></testsuite>",
            (2, 1),
            "`name`",
        ),
        // A lone `&` in text.
        (
            "<testsuite name=\"a\">\n<testcase name=\"x\">a & b</testcase></testsuite>",
            (2, 22),
            "`&`",
        ),
        // A testcase inside a testcase.
        (
            "<testsuite>\n<testcase name=\"a\">\n<testcase name=\"b\"/>\n</testcase></testsuite>",
            (3, 1),
            "inside the <testcase> of line 2",
        ),
    ];
    for (xml, position, words) in cases {
        let d = parse_err("bad.xml", xml.as_bytes());
        assert_eq!(d.code, codes::RESULTS_MALFORMED, "{xml}");
        assert_eq!((d.span.line, d.span.column), position, "{xml}: {d}");
        assert!(d.message.contains(words), "{xml}: {}", d.message);
        assert!(d.hint.is_some(), "{xml}");
    }
}

#[test]
fn doctype_processing_instructions_and_comments_are_ignored() {
    let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuites>\n<?xml-stylesheet href=\"junit.xsl\"?>\n<!-- c -->\n<testsuites name=\"r\"><!-- c --><testsuite name=\"s\"><testcase name=\"t\"><!-- c --></testcase></testsuite></testsuites>\n<!-- after -->\n";
    let file = parse("misc.xml", xml.as_bytes());
    assert_eq!(file.run.name.as_deref(), Some("r"));
    assert_eq!(summary(&file), vec![("", "t", "s", passed(), 5)]);
}

#[test]
fn a_one_line_file_of_20000_cases_and_a_huge_trace_is_read_whole() {
    // One line (as pytest writes), 20 000 cases and a 1 MB stack trace.
    let mut xml = String::from("<testsuites><testsuite name=\"big\">");
    for i in 0..20_000 {
        xml.push_str(&format!(
            "<testcase classname=\"c\" name=\"t{i}\" time=\"0.001\"/>"
        ));
    }
    xml.push_str("<testcase name=\"trace\"><failure><![CDATA[");
    xml.push_str(&"   \n".repeat(1000));
    xml.push_str(&"é".repeat(500_000));
    xml.push_str("]]></failure></testcase></testsuite></testsuites>");
    let file = parse("big.xml", xml.as_bytes());
    assert_eq!(file.cases.len(), 20_001);
    assert!(file.cases.iter().all(|c| c.line == 1));
    let Some(TestCase {
        outcome: Outcome::Failed { message },
        ..
    }) = file.cases.last()
    else {
        panic!("expected a failure last");
    };
    assert_eq!(message.chars().count(), 500);
    assert!(message.starts_with("éé") && message.ends_with('…'));
}
