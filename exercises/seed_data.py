"""The exercise library seeded into every installation (written for this project).

Plain data, no Django. Each exercise cites the clinical sources it rests on (keys of
REFERENCES). ``progression`` names the next level's slug; regressions are the reverse
links and are filled in by the seeding service.
"""

from __future__ import annotations

REFERENCES = {
    "osullivan2005": (
        "O'Sullivan P. Diagnosis and classification of chronic low back pain disorders: "
        "maladaptive movement and motor control impairments as underlying mechanism. "
        "Man Ther. 2005;10(4):242-255."),
    "dankaerts2006": (
        "Dankaerts W, O'Sullivan P, Burnett A, Straker L. Differences in sitting postures are "
        "associated with nonspecific chronic low back pain disorders when patients are "
        "subclassified. Spine. 2006;31(6):698-704."),
    "fersum2013": (
        "Vibe Fersum K, O'Sullivan P, Skouen JS, Smith A, Kvale A. Efficacy of "
        "classification-based cognitive functional therapy in patients with non-specific "
        "chronic low back pain: a randomized controlled trial. Eur J Pain. "
        "2013;17(6):916-928."),
    "osullivan2018": (
        "O'Sullivan PB, Caneiro JP, O'Keeffe M, et al. Cognitive Functional Therapy: an "
        "integrated behavioral approach for the targeted management of disabling low back "
        "pain. Phys Ther. 2018;98(5):408-423."),
    "louw2016": (
        "Louw A, Zimney K, Puentedura EJ, Diener I. The efficacy of pain neuroscience "
        "education on musculoskeletal pain: a systematic review of the literature. "
        "Physiother Theory Pract. 2016;32(5):332-355."),
    "macedo2010": (
        "Macedo LG, Smeets RJ, Maher CG, Latimer J, McAuley JH. Graded activity and graded "
        "exposure for persistent nonspecific low back pain: a systematic review. Phys Ther. "
        "2010;90(6):860-879."),
    "hayden2005": (
        "Hayden JA, van Tulder MW, Malmivaara A, Koes BW. Meta-analysis: exercise therapy for "
        "nonspecific low back pain. Ann Intern Med. 2005;142(9):765-775."),
    "hill2011": (
        "Hill JC, Whitehurst DG, Lewis M, et al. Comparison of stratified primary care "
        "management for low back pain with current best practice (STarT Back): a randomised "
        "controlled trial. Lancet. 2011;378(9802):1560-1571."),
    "vlaeyen2000": (
        "Vlaeyen JWS, Linton SJ. Fear-avoidance and its consequences in chronic "
        "musculoskeletal pain: a state of the art. Pain. 2000;85(3):317-332."),
}

_NO_ACUTE = "Acute radicular pain with progressive neurological deficit; red flags not cleared."
_FLARE = "Stop and tell your physiotherapist if pain spreads down the leg or stays worse " \
         "for more than a day."


def _ex(slug: str, name: str, *, purpose: str, steps: list[str], start: str, direction: str,
        category: str, level: int = 1, equipment: str = "", sets: int = 1, reps: int = 1,
        hold: int = 0, minutes: int = 0, per_week: int = 5, refs: list[str],
        progression: str = "", contraindications: str = _NO_ACUTE,
        cautions: str = _FLARE) -> dict:
    return {"slug": slug, "name": name, "purpose": purpose, "instructions": "\n".join(steps),
            "starting_position": start, "equipment": equipment, "level": level,
            "direction": direction, "category": category, "default_sets": sets,
            "default_reps": reps, "default_hold_seconds": hold, "default_minutes": minutes,
            "default_sessions_per_week": per_week, "contraindications": contraindications,
            "cautions": cautions, "references": "\n".join(REFERENCES[k] for k in refs),
            "progression": progression}


FP, EP, NEUTRAL = "flexion_control", "extension_control", "neutral"
MOTOR, EDU, GA, GX = "motor_control", "education", "graded_activity", "graded_exposure"
MOBILITY = "mobility"
_FP_REFS = ["osullivan2005", "dankaerts2006", "fersum2013"]
_EP_REFS = ["osullivan2005", "fersum2013", "osullivan2018"]

EXERCISES: list[dict] = [
    # --- Flexion pattern (FP-MCI): control of lumbar flexion ---------------------------
    _ex("fp-sitting-lordosis-awareness", "Sitting with a gentle low-back curve",
        purpose="Learn to sit with a relaxed lumbar lordosis instead of a slumped, flexed "
                "low back, and to relax the upper trunk while doing it.",
        steps=["Sit towards the front of a firm chair, feet flat, hips slightly above knees.",
               "Roll the pelvis forward until a small hollow forms in the low back.",
               "Let the chest and shoulders soften; breathe normally into the belly.",
               "Hold the position, then relax fully and repeat.",
               "Notice the difference between this and slumped sitting."],
        start="Sitting on a firm chair", equipment="Firm chair", direction=FP, category=MOTOR,
        sets=2, reps=10, hold=10, per_week=7, refs=_FP_REFS,
        progression="fp-sit-to-stand-neutral"),
    _ex("fp-sit-to-stand-neutral", "Sit to stand with a neutral spine",
        purpose="Move between sitting and standing by hinging at the hips while the low "
                "back keeps its curve.",
        steps=["Sit near the front of a chair with the low-back curve from level 1.",
               "Lean the trunk forward from the hips, nose over toes, back long.",
               "Push through both feet to stand; keep the curve as you rise.",
               "Return slowly by sending the hips back, not by rounding the back."],
        start="Sitting on a firm chair", equipment="Firm chair", level=2, direction=FP,
        category=MOTOR, sets=2, reps=10, per_week=5, refs=_FP_REFS,
        progression="fp-floor-lift-neutral"),
    _ex("fp-floor-lift-neutral", "Lifting from the floor with a hip hinge",
        purpose="Bring flexion control into daily lifting: bend at hips and knees with a "
                "neutral low back and relaxed breathing.",
        steps=["Stand close to a light object, feet hip-width apart.",
               "Hinge at the hips and bend the knees, keeping the low back neutral.",
               "Hold the object close, breathe out and stand by driving through the hips.",
               "Lower it the same way. Increase the load only when this feels easy."],
        start="Standing", equipment="Light box or bag (1-5 kg)", level=3, direction=FP,
        category=MOTOR, sets=3, reps=8, per_week=3, refs=[*_FP_REFS, "osullivan2018"]),
    _ex("fp-wall-hip-hinge", "Hip hinge with the bottom to a wall",
        purpose="Separate hip movement from low-back movement when bending forward.",
        steps=["Stand a foot's length away from a wall, facing away from it.",
               "Soften the knees and push the hips back until the bottom touches the wall.",
               "Keep the low-back curve; the trunk tilts forward as one unit.",
               "Squeeze the buttocks to return upright."],
        start="Standing, back to a wall", equipment="Wall", direction=FP, category=MOTOR,
        sets=2, reps=10, per_week=5, refs=_FP_REFS, progression="fp-dowel-hip-hinge"),
    _ex("fp-dowel-hip-hinge", "Hip hinge with a stick along the back",
        purpose="Hinge further forward with feedback that the spine stays neutral.",
        steps=["Hold a broom handle along your back: touching head, upper back and sacrum.",
               "Hinge at the hips, knees soft, without losing any of the three contacts.",
               "Go as far as you can while the stick stays in contact, then return."],
        start="Standing", equipment="Broom handle or dowel", level=2, direction=FP,
        category=MOTOR, sets=3, reps=10, per_week=5, refs=_FP_REFS,
        progression="fp-single-leg-hip-hinge"),
    _ex("fp-single-leg-hip-hinge", "Single-leg hip hinge",
        purpose="Control lumbar flexion under single-leg load (posterior chain and balance).",
        steps=["Stand on one leg, the other just touching the floor behind you.",
               "Hinge forward from the standing hip as the free leg reaches back.",
               "Keep the pelvis level and the low back neutral; use a chair for balance.",
               "Return by squeezing the buttock of the standing leg."],
        start="Standing on one leg", equipment="Chair for balance", level=3, direction=FP,
        category=MOTOR, sets=3, reps=8, per_week=3, refs=[*_FP_REFS, "hayden2005"]),
    _ex("fp-quadruped-rock-back", "Four-point kneeling rock back",
        purpose="Move the hips back towards the heels while the low back stays neutral, "
                "training hip flexion without lumbar flexion.",
        steps=["Kneel on hands and knees, hands under shoulders, knees under hips.",
               "Find a gentle low-back curve.",
               "Rock the bottom back towards the heels only as far as the curve holds.",
               "Return to the start; breathe out as you rock back."],
        start="Hands and knees", equipment="Mat", direction=FP, category=MOTOR, sets=2,
        reps=10, per_week=5, refs=_FP_REFS, progression="fp-bird-dog"),
    _ex("fp-bird-dog", "Four-point kneeling arm and leg reach",
        purpose="Hold a neutral lumbar spine while the limbs load the trunk.",
        steps=["Start on hands and knees with a neutral low back.",
               "Slide one leg back and lift it to hip height; keep the pelvis level.",
               "When steady, lift the opposite arm as well.",
               "Hold, return and change sides."],
        start="Hands and knees", equipment="Mat", level=2, direction=FP, category=MOTOR,
        sets=2, reps=8, hold=5, per_week=5, refs=[*_FP_REFS, "hayden2005"],
        progression="fp-squat-neutral"),
    _ex("fp-squat-neutral", "Squat to a chair with a neutral spine",
        purpose="Load flexion control in a functional squat.",
        steps=["Stand in front of a chair, feet shoulder-width apart.",
               "Send the hips back and down until you lightly touch the seat.",
               "Keep the chest open and the low-back curve throughout.",
               "Stand up through the heels without rounding the back."],
        start="Standing in front of a chair", equipment="Chair", level=3, direction=FP,
        category=MOTOR, sets=3, reps=10, per_week=3, refs=[*_FP_REFS, "hayden2005"]),
    # --- Extension pattern (EP-MCI): control of lumbar extension -----------------------
    _ex("ep-supine-posterior-pelvic-tilt", "Posterior pelvic tilt lying on the back",
        purpose="Feel and control the pelvis tilting backwards, reducing habitual lumbar "
                "extension and back-muscle guarding.",
        steps=["Lie on your back with knees bent and feet flat.",
               "Breathe out and gently flatten the low back into the floor by tilting the "
               "pelvis backwards.",
               "Keep the buttocks and upper body relaxed; hold.",
               "Release to a relaxed middle position, not into an arch."],
        start="Lying on the back, knees bent", equipment="Mat", direction=EP,
        category=MOTOR, sets=2, reps=10, hold=5, per_week=7, refs=_EP_REFS,
        progression="ep-standing-pelvic-tilt"),
    _ex("ep-standing-pelvic-tilt", "Standing pelvic tilt against a wall",
        purpose="Replace sway-back standing with a relaxed, less extended posture.",
        steps=["Stand with the back against a wall, heels a little away from it.",
               "Tilt the pelvis backwards so the gap behind the low back becomes smaller.",
               "Keep the ribs down and breathe normally; hold.",
               "Step away from the wall and keep the same posture for a few breaths."],
        start="Standing, back to a wall", equipment="Wall", level=2, direction=EP,
        category=MOTOR, sets=2, reps=10, hold=10, per_week=5, refs=_EP_REFS,
        progression="ep-overhead-reach-control"),
    _ex("ep-overhead-reach-control", "Overhead reach without arching",
        purpose="Reach overhead, a usual trigger for EP pain, with the movement coming from "
                "the shoulders and upper back rather than from lumbar extension.",
        steps=["Stand with the pelvis gently tilted back as at level 2.",
               "Raise both arms overhead slowly while the ribs stay down.",
               "Stop before the low back arches; lower the arms.",
               "Progress with a light weight or reaching to a high shelf."],
        start="Standing", equipment="Optional light weight", level=3, direction=EP,
        category=MOTOR, sets=3, reps=10, per_week=3, refs=_EP_REFS),
    _ex("ep-heel-slide-abdominal-control", "Heel slides with abdominal control",
        purpose="Control the pelvis with the lower abdominals while the legs move.",
        steps=["Lie on your back with knees bent and the pelvis gently tilted back.",
               "Breathe out and slide one heel along the floor until the leg is straight.",
               "Keep the low back still; the pelvis must not tip forward.",
               "Slide back and change legs."],
        start="Lying on the back, knees bent", equipment="Mat", direction=EP,
        category=MOTOR, sets=2, reps=10, per_week=5, refs=[*_EP_REFS, "hayden2005"],
        progression="ep-dead-bug"),
    _ex("ep-dead-bug", "Dead bug",
        purpose="Keep the lumbar spine out of extension while arms and legs load the trunk.",
        steps=["Lie on your back, hips and knees bent to 90 degrees, arms to the ceiling.",
               "Keep the low back gently on the floor.",
               "Lower one heel towards the floor and the opposite arm overhead.",
               "Return and change sides; stop the movement before the back arches."],
        start="Lying on the back, legs in table-top", equipment="Mat", level=2,
        direction=EP, category=MOTOR, sets=2, reps=8, per_week=5,
        refs=[*_EP_REFS, "hayden2005"], progression="ep-plank-pelvic-control"),
    _ex("ep-plank-pelvic-control", "Plank without a sagging back",
        purpose="Resist lumbar extension under body weight.",
        steps=["Lie face down and come up on forearms and knees (or toes when easy).",
               "Tilt the pelvis slightly back so the low back does not sag.",
               "Breathe steadily and hold; stop when the back starts to dip."],
        start="Face down on forearms", equipment="Mat", level=3, direction=EP,
        category=MOTOR, sets=3, reps=3, hold=20, per_week=3, refs=[*_EP_REFS, "hayden2005"],
        cautions=f"{_FLARE} Start from the knees if holding on toes makes the back arch."),
    _ex("ep-supine-hip-flexor-lengthening", "Hip flexor lengthening lying on the back",
        purpose="Lengthen the hip flexors, whose tightness pulls the pelvis forward into "
                "lumbar extension.",
        steps=["Lie on your back near the end of a bed and hug one knee to the chest.",
               "Let the other leg hang relaxed over the edge.",
               "Keep the low back flat and feel the stretch at the front of the hanging hip.",
               "Hold, then change sides."],
        start="Lying on the back at the end of a bed", equipment="Bed or firm table",
        direction=EP, category=MOBILITY, sets=2, reps=3, hold=30, per_week=7,
        refs=_EP_REFS, progression="ep-half-kneeling-hip-flexor"),
    _ex("ep-half-kneeling-hip-flexor", "Half-kneeling hip flexor stretch with pelvic tilt",
        purpose="Stretch the hip flexors while controlling the pelvis in an upright posture.",
        steps=["Kneel on one knee (on a cushion), the other foot flat in front.",
               "Tilt the pelvis back and squeeze the buttock of the kneeling leg.",
               "Shift forward a little until you feel the stretch at the front of the hip.",
               "Do not lean back or arch the low back; hold and change sides."],
        start="Half kneeling", equipment="Cushion", level=2, direction=EP,
        category=MOBILITY, sets=2, reps=3, hold=30, per_week=5, refs=_EP_REFS,
        progression="ep-lunge-pelvic-control"),
    _ex("ep-lunge-pelvic-control", "Lunge with pelvic control",
        purpose="Hip extension in walking and stairs without lumbar extension.",
        steps=["Stand with one foot a long step ahead of the other.",
               "Keep the pelvis gently tilted back and the ribs down.",
               "Bend both knees to lower straight down, then rise.",
               "The back stays upright and still; change sides."],
        start="Standing in a split stance", equipment="Chair for balance", level=3,
        direction=EP, category=MOTOR, sets=3, reps=8, per_week=3,
        refs=[*_EP_REFS, "hayden2005"]),
    _ex("ep-relaxed-sitting", "Relaxed upright sitting without over-arching",
        purpose="Stop sitting in an over-arched, braced lumbar position: sit tall but relaxed "
                "with the back muscles switched off.",
        steps=["Sit on a chair and notice whether the low back is strongly arched.",
               "Let the pelvis roll slightly back until the back muscles relax.",
               "Keep the chest soft and breathe into the belly.",
               "Use this position during the day when sitting."],
        start="Sitting on a chair", equipment="Chair", direction=EP, category=MOTOR,
        sets=1, reps=5, hold=30, per_week=7, refs=["dankaerts2006", "osullivan2005"]),
    # --- Direction-neutral motor control ------------------------------------------------
    _ex("neutral-pelvic-rocking", "Finding the middle: pelvic rocking in sitting",
        purpose="Explore the full range between a slumped and an arched low back and settle "
                "in the relaxed middle; used before the pattern is confirmed.",
        steps=["Sit on a firm chair, feet flat.",
               "Slowly slump, rounding the low back, then arch it fully.",
               "Rock between the two a few times, then stop half way.",
               "Rest in the middle position and breathe."],
        start="Sitting on a firm chair", equipment="Firm chair", direction=NEUTRAL,
        category=MOTOR, sets=2, reps=10, per_week=7, refs=["osullivan2005", "osullivan2018"]),
    _ex("neutral-relaxed-breathing", "Relaxed belly breathing",
        purpose="Reduce protective trunk muscle guarding and breath holding that go with "
                "painful movement.",
        steps=["Lie on your back with knees bent, one hand on the belly, one on the chest.",
               "Breathe in through the nose so the belly hand rises first.",
               "Breathe out slowly and let the back and belly muscles soften.",
               "Continue for the set time."],
        start="Lying on the back, knees bent", equipment="Mat", direction=NEUTRAL,
        category=MOTOR, sets=1, reps=1, minutes=5, per_week=7,
        refs=["osullivan2018", "fersum2013"], contraindications=""),
    _ex("neutral-bridge", "Bridge",
        purpose="Strengthen the buttocks and hamstrings with a neutral spine.",
        steps=["Lie on your back with knees bent and feet hip-width apart.",
               "Breathe out, squeeze the buttocks and lift the hips until knees, hips and "
               "shoulders form a line.",
               "Do not push into an arch; hold and lower slowly."],
        start="Lying on the back, knees bent", equipment="Mat", direction=NEUTRAL,
        category=MOTOR, sets=2, reps=10, hold=3, per_week=5, refs=["hayden2005"],
        progression="neutral-single-leg-bridge"),
    _ex("neutral-single-leg-bridge", "Single-leg bridge",
        purpose="Load the posterior chain on one side while keeping the pelvis level.",
        steps=["Start as for the bridge and straighten one knee.",
               "Lift the hips on the other leg, keeping the pelvis level.",
               "Lower slowly and change sides."],
        start="Lying on the back, knees bent", equipment="Mat", level=2, direction=NEUTRAL,
        category=MOTOR, sets=2, reps=8, per_week=3, refs=["hayden2005"]),
    # --- General: education, graded activity and exposure --------------------------------
    _ex("edu-making-sense-of-pain", "Making sense of your back pain",
        purpose="Understand, with your own experience, why your back hurts, how movement "
                "habits and protective guarding keep pain going, and why moving is safe.",
        steps=["Read or watch the module in the app.",
               "Write down the activities you avoid and why.",
               "Note one situation where pain changed with how you moved or felt.",
               "Bring your notes to your next physiotherapy session."],
        start="Any comfortable position", equipment="The app", direction=NEUTRAL,
        category=EDU, sets=1, reps=1, minutes=15, per_week=1,
        refs=["osullivan2018", "fersum2013"], contraindications="", cautions=""),
    _ex("edu-pain-neuroscience", "How pain works: pain neuroscience education",
        purpose="Learn how the nervous system produces and amplifies pain, so that pain is "
                "not read as a sign of damage.",
        steps=["Work through one pain-science lesson in the app each week.",
               "Answer the short questions at the end.",
               "Discuss anything worrying with your physiotherapist."],
        start="Any comfortable position", equipment="The app", direction=NEUTRAL,
        category=EDU, sets=1, reps=1, minutes=20, per_week=1,
        refs=["louw2016", "hill2011"], contraindications="", cautions=""),
    _ex("ga-walking", "Graded walking",
        purpose="Build general activity and confidence with a walking time that grows a "
                "little each week, whatever the pain does that day.",
        steps=["Walk at a comfortable pace for the set time.",
               "Keep the same time on good and bad days (time-contingent, not pain-"
               "contingent).",
               "Add one or two minutes each week as agreed with your physiotherapist."],
        start="Standing", equipment="Comfortable shoes", direction=NEUTRAL, category=GA,
        sets=1, reps=1, minutes=15, per_week=5, refs=["macedo2010", "hayden2005"],
        contraindications=""),
    _ex("ga-activity-quota", "Graded activity with quotas",
        purpose="Return to a valued activity (housework, gardening, work tasks) in planned "
                "steps set by time or amount, not by pain.",
        steps=["Choose one activity you have reduced because of pain.",
               "Do it for a set quota below your current limit.",
               "Stop at the quota even if you feel able to do more.",
               "Raise the quota a little each week."],
        start="Depends on the activity", direction=NEUTRAL, category=GA, sets=1, reps=1,
        minutes=10, per_week=3, refs=["macedo2010", "hill2011"], contraindications=""),
    _ex("gx-feared-movement", "Graded exposure to a feared movement",
        purpose="Face a movement you fear will harm your back in small, safe steps so the "
                "fear and avoidance fade.",
        steps=["With your physiotherapist, rank the movements you fear from least to most.",
               "Start with the least feared: do it slowly, breathing and relaxed.",
               "Repeat until your worry about it has dropped clearly.",
               "Move to the next step only when the current one feels safe."],
        start="Depends on the feared movement", direction=NEUTRAL, category=GX, sets=1,
        reps=5, per_week=3, refs=["vlaeyen2000", "macedo2010", "osullivan2018"],
        contraindications=""),
]
