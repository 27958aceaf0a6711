document.getElementById("ask").addEventListener("submit", async (event) => {
  event.preventDefault();
  const prompt = new FormData(event.target).get("prompt");
  const reply = await fetch("/v1/complete", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ tenant: "web", prompt }),
  });
  document.getElementById("answer").textContent = JSON.stringify(await reply.json(), null, 2);
});
